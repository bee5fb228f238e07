// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/io/table.hpp: tables worked out by hand from LevelDB's
/// table_format.md, key shortening as LevelDB's bytewise comparator does it, round trips across
/// several blocks, and every corruption or truncation of a table reported as data_loss.
/// (tests/interop checks the bytes against LevelDB's own TableBuilder.)

#include "staticflow/io/table.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sf = staticflow;
namespace table = staticflow::io::table;
using Catch::Matchers::Contains;

namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}
/// A block's 5-byte trailer: type 0 and the masked CRC32C of the block and that byte.
std::string trailer(const std::string& block) {
  const char type = 0;
  const std::uint32_t crc = sf::io::crc32c_mask(sf::io::crc32c_extend(sf::io::crc32c(block.data(), block.size()), &type, 1));
  return bytes({0, int(crc & 0xff), int((crc >> 8) & 0xff), int((crc >> 16) & 0xff), int(crc >> 24)});
}
std::string footer(std::string handles) {
  handles.resize(40, '\0');
  return handles + bytes({0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb});
}
const std::string empty_block = bytes({0, 0, 0, 0, 1, 0, 0, 0});  // restart offset 0, one restart

std::vector<std::pair<std::string, std::string>> read_all(const std::string& file) {
  table::reader r(file, "t");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : r.entries()) out.emplace_back(k, std::string(v));
  return out;
}

}  // namespace

TEST_CASE("an empty table: an empty metaindex and index block and the footer", "[io][table]") {
  const std::string expected = empty_block + trailer(empty_block) + empty_block + trailer(empty_block) +
                               footer(bytes({0, 8, 13, 8}));
  const std::string t = table::writer{}.finish();
  CHECK(t == expected);
  CHECK(t.size() == 74);
  CHECK(read_all(t).empty());
}

TEST_CASE("one entry: the data block, and an index keyed by the key's short successor", "[io][table]") {
  table::writer w;
  w.add("a", "b");
  const std::string data = bytes({0, 1, 1, 'a', 'b', 0, 0, 0, 0, 1, 0, 0, 0});
  const std::string index = bytes({0, 1, 2, 'b', 0, 13, 0, 0, 0, 0, 1, 0, 0, 0});  // "b" -> handle (0, 13)
  const std::string expected = data + trailer(data) + empty_block + trailer(empty_block) + index + trailer(index) +
                               footer(bytes({18, 8, 31, 14}));
  const std::string t = w.finish();
  CHECK(t == expected);
  CHECK(read_all(t) == std::vector<std::pair<std::string, std::string>>{{"a", "b"}});
}

TEST_CASE("keys share prefixes with the previous key, restarting every 16 entries", "[io][table]") {
  table::writer w;
  for (int i = 0; i < 17; ++i) w.add("key" + std::string(1, char('a' + i)), "v");
  const std::string t = w.finish();
  // Entry 0: shared 0, own 4; entry 1 ("keyb" after "keya"): shared 3, own 1; entry 16
  // restarts: shared 0 again. The block ends with restarts {0, offset of entry 16} and 2.
  CHECK(t.substr(0, 3) == bytes({0, 4, 1}));
  CHECK(t.substr(8, 3) == bytes({3, 1, 1}));
  const std::size_t entry16 = 8 + 15 * 5;
  CHECK(t.substr(entry16, 3) == bytes({0, 4, 1}));
  CHECK(t.substr(entry16 + 3, 4) == "keyq");
  CHECK(t.substr(entry16 + 8, 12) == bytes({0, 0, 0, 0, int(entry16), 0, 0, 0, 2, 0, 0, 0}));
  CHECK(read_all(t).size() == 17);
}

TEST_CASE("index keys are shortened as LevelDB's bytewise comparator shortens them", "[io][table]") {
  auto sep = [](std::string a, std::string b) {
    table::detail::shorten_separator(a, b);
    return a;
  };
  CHECK(sep("abcd", "abzz") == "abd");     // first difference incremented, the rest dropped
  CHECK(sep("a1", "a3") == "a2");
  CHECK(sep("a1", "a2") == "a1");          // incrementing would reach the limit
  CHECK(sep("abc", "abcd") == "abc");      // a prefix: unchanged
  CHECK(sep("a\xff", "b") == "a\xff");     // first difference 'a' < 'b' but 'a' + 1 == 'b'
  auto succ = [](std::string a) {
    table::detail::shorten_successor(a);
    return a;
  };
  CHECK(succ("abc") == "b");
  CHECK(succ("\xff\xff" "a") == "\xff\xff" "b");
  CHECK(succ("\xff\xff") == "\xff\xff");
}

TEST_CASE("a table of many blocks round-trips, and keys must increase", "[io][table]") {
  table::writer w;
  std::vector<std::pair<std::string, std::string>> in;
  for (int i = 0; i < 3000; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "tensor/%05d", i);
    in.emplace_back(key, std::string(200 + i % 7, static_cast<char>('a' + i % 26)));
    w.add(in.back().first, in.back().second);
  }
  const std::string t = w.finish();
  CHECK(t.size() > 2 * table::block_size);  // so there are at least three data blocks
  CHECK(read_all(t) == in);
  table::writer bad;
  bad.add("b", "");
  CHECK_THROWS_AS(bad.add("a", ""), sf::invalid_argument);
  CHECK_THROWS_AS(bad.add("b", ""), sf::invalid_argument);
}

TEST_CASE("every truncation and every flipped byte of a table is data_loss or harmless", "[io][table]") {
  table::writer w;
  for (int i = 0; i < 40; ++i) w.add("k" + std::to_string(1000 + i), std::string(i % 5, 'x'));
  const std::string good = w.finish();
  const auto expected = read_all(good);
  for (std::size_t n = 0; n < good.size(); ++n) CHECK_THROWS_AS(read_all(good.substr(0, n)), sf::data_loss);
  std::size_t caught = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x41);
    std::vector<std::pair<std::string, std::string>> got;
    try {
      got = read_all(bad);
    } catch (const sf::data_loss&) {
      ++caught;
      continue;
    }
    CHECK(got == expected);  // unread: the metaindex block (no filters) and the footer's padding
  }
  CHECK(caught >= good.size() - 13 - 36);
  CHECK_THROWS_WITH(read_all(std::string(60, '\0')), Contains("'t' at byte 52") && Contains("bad magic number"));
}
