#include "model/chat/json_dump.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/chat/eval_failure.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

class json_writer {
 public:
  json_writer(const json_options& options, tainted_string& out)
      : options_(options),
        out_(out),
        item_separator_(options.item_separator.value_or(options.indent ? "," : ", ")),
        key_separator_(options.key_separator.value_or(": ")) {}

  void write(const value& v, std::size_t depth) {
    if (depth > max_value_depth) fail("value nested too deeply for tojson");
    switch (v.type()) {
      case value::kind::none:
        out_.append("null", true);
        return;
      case value::kind::boolean:
        out_.append(v.as_bool() ? "true" : "false", true);
        return;
      case value::kind::integer:
        out_.append(std::to_string(v.as_int()), true);
        return;
      case value::kind::floating:
        write_float(v.as_float());
        return;
      case value::kind::string:
        write_string(v.as_string());
        return;
      case value::kind::list:
        write_list(v.items(), depth);
        return;
      case value::kind::dict:
        write_dict(v.as_dict(), depth);
        return;
      default:
        fail("Object of type " + type_name(v) + " is not JSON serializable");
    }
  }

 private:
  void write_float(double d) {
    if (std::isnan(d)) {
      out_.append("NaN", true);
    } else if (std::isinf(d)) {
      out_.append(d < 0 ? "-Infinity" : "Infinity", true);
    } else {
      out_.append(format_float(d), true);
    }
  }

  void newline(std::size_t level) {
    if (!options_.indent) return;
    reserve(1 + level * options_.indent->size());
    std::string text = "\n";
    for (std::size_t i = 0; i < level; ++i) text += *options_.indent;
    out_.append(text, true);
  }

  // Fails when `more` bytes would take the output past max_bytes.
  void reserve(std::size_t more) const {
    if (more > options_.max_bytes || out_.size() > options_.max_bytes - more) {
      fail_limit("tojson result too large (more than " + std::to_string(options_.max_bytes) + " bytes)");
    }
  }

  void write_list(const std::vector<value>& items, std::size_t depth) {
    if (items.empty()) {
      out_.append("[]", true);
      return;
    }
    out_.append("[", true);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out_.append(item_separator_, true);
      newline(depth + 1);
      write(items[i], depth + 1);
    }
    newline(depth);
    out_.append("]", true);
  }

  void write_dict(const dict_data& d, std::size_t depth) {
    if (d.empty()) {
      out_.append("{}", true);
      return;
    }
    std::vector<const dict_data::entry*> entries;
    entries.reserve(d.size());
    for (const auto& e : d.entries()) entries.push_back(&e);
    if (options_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto* a, const auto* b) { return a->first.text() < b->first.text(); });
    }
    out_.append("{", true);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out_.append(item_separator_, true);
      newline(depth + 1);
      write_string(entries[i]->first.as_string());
      out_.append(key_separator_, true);
      write(entries[i]->second, depth + 1);
    }
    newline(depth);
    out_.append("}", true);
  }

  void write_string(const tainted_string& s) {
    out_.append("\"", true);
    std::string piece;
    for_each_code_point(s, [&](char32_t cp, std::string_view bytes, bool trusted) {
      piece.clear();
      switch (cp) {
        case '"':
          piece = "\\\"";
          break;
        case '\\':
          piece = "\\\\";
          break;
        case '\n':
          piece = "\\n";
          break;
        case '\r':
          piece = "\\r";
          break;
        case '\t':
          piece = "\\t";
          break;
        case '\b':
          piece = "\\b";
          break;
        case '\f':
          piece = "\\f";
          break;
        default:
          if (cp < 0x20 || (options_.ensure_ascii && cp >= 0x7F)) {
            append_u_escape(piece, cp);
          } else {
            piece.assign(bytes);
          }
      }
      out_.append(piece, trusted);
    });
    out_.append("\"", true);
    reserve(0);  // escaping grows a string at most sixfold: checking after it is enough
  }

  static void append_u_escape(std::string& piece, char32_t cp) {
    char buf[16];
    if (cp >= 0x10000) {
      const char32_t v = cp - 0x10000;
      std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                    static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
    } else {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
    }
    piece += buf;
  }

  const json_options& options_;
  tainted_string& out_;
  std::string item_separator_;
  std::string key_separator_;
};

}  // namespace

tainted_string to_json(const value& v, const json_options& options) {
  tainted_string out;
  json_writer(options, out).write(v, 0);
  return out;
}

}  // namespace moeserve::model::jinja
