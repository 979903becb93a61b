#include "app/config_file.hpp"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "net/json_writer.hpp"

namespace moeserve::app {

namespace {

// A YAML node as JSON (for flags that take a JSON value, such as --quantization). Plain
// scalars that read as JSON literals (true, false, null, numbers) stay literals; every
// other scalar is a string.
void write_json(net::json_writer& w, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      w.begin_object();
      for (const auto& kv : node) {
        w.key(kv.first.as<std::string>());
        write_json(w, kv.second);
      }
      w.end_object();
      return;
    case YAML::NodeType::Sequence:
      w.begin_array();
      for (const auto& item : node) write_json(w, item);
      w.end_array();
      return;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      const char* end = s.data() + s.size();
      std::int64_t i = 0;
      double d = 0;
      if (node.Tag() == "!") w.string(s);  // quoted in the file: always a string
      else if (s == "true" || s == "false") w.boolean(s == "true");
      else if (s == "null") w.null();
      else if (auto r = std::from_chars(s.data(), end, i); r.ec == std::errc() && r.ptr == end) w.integer(i);
      else if (auto q = std::from_chars(s.data(), end, d); q.ec == std::errc() && q.ptr == end && std::isfinite(d))
        w.real(d);  // from_chars also reads "nan" and "inf", which JSON has no number for
      else w.string(s);
      return;
    }
    default:
      w.null();
  }
}

bool read_bool(const std::string& s, bool& value) {
  static const std::set<std::string> yes{"true", "True", "TRUE", "yes", "on", "1"};
  static const std::set<std::string> no{"false", "False", "FALSE", "no", "off", "0"};
  if (yes.contains(s)) value = true;
  else if (no.contains(s)) value = false;
  else return false;
  return true;
}

// True when the subcommand's own arguments already give this option.
bool given_on_command_line(const CLI::Option& option, const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a.rfind("--", 0) != 0) continue;
    const auto eq = a.find('=');
    const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (option.check_lname(name)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> config_file_arguments(const CLI::App& command, const std::string& file,
                                               const std::vector<std::string>& command_line) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw config_file_error("config file " + file + ": cannot be read");
  } catch (const YAML::Exception& e) {
    throw config_file_error("config file " + file + ": " + e.what());
  }
  if (root.IsNull()) return {};
  if (!root.IsMap()) throw config_file_error("config file " + file + ": expected a mapping of flag names to values");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) throw config_file_error("config file " + file + ": keys must be flag names");
    std::string key = kv.first.as<std::string>();
    std::replace(key.begin(), key.end(), '_', '-');
    while (key.rfind("-", 0) == 0) key.erase(0, 1);
    const auto where = "config file " + file + ", key '" + kv.first.as<std::string>() + "': ";
    if (!seen.insert(key).second) throw config_file_error(where + "given twice");
    if (key == "config") throw config_file_error(where + "a config file cannot name another");
    const CLI::Option* option = command.get_option_no_throw("--" + key);
    if (option == nullptr) throw config_file_error(where + "no such flag for '" + command.get_name() + "'");
    if (given_on_command_line(*option, command_line)) continue;
    const YAML::Node& value = kv.second;
    const std::string flag = "--" + key;
    if (option->get_expected_min() == 0 && option->get_expected_max() == 0) {  // a flag
      bool on = false;
      if (!value.IsScalar() || !read_bool(value.Scalar(), on)) throw config_file_error(where + "expected true or false");
      if (on) out.push_back(flag);
      else if (const auto* negated = command.get_option_no_throw("--no-" + key); negated == option)
        out.push_back("--no-" + key);
      continue;
    }
    if (value.IsSequence()) {
      if (option->get_items_expected_max() <= 1) throw config_file_error(where + "takes one value, not a list");
      out.push_back(flag);
      for (const auto& item : value) {
        if (!item.IsScalar()) throw config_file_error(where + "list items must be plain values");
        out.push_back(item.Scalar());
      }
    } else if (value.IsMap()) {  // a JSON value (e.g. a quantization config)
      net::json_writer json;
      write_json(json, value);
      out.push_back(flag);
      out.push_back(json.take());
    } else if (value.IsScalar()) {
      out.push_back(flag);
      out.push_back(value.Scalar());
    } else {
      throw config_file_error(where + "has no value");
    }
  }
  return out;
}

std::vector<std::string> expand_config_files(const CLI::App& app, const std::string& name, int argc,
                                             const char* const* argv) {
  std::vector<std::string> args(argv, argv + argc);
  const auto sub = std::find(args.begin() + (args.empty() ? 0 : 1), args.end(), name);
  if (sub == args.end()) return args;
  const CLI::App* command = app.get_subcommand(name);
  const std::vector<std::string> own(sub + 1, args.end());
  std::vector<std::string> out(args.begin(), sub + 1);
  for (std::size_t i = 0; i < own.size(); ++i) {
    out.push_back(own[i]);
    std::string file;
    if (own[i] == "--config" && i + 1 < own.size()) {
      file = own[++i];
      out.push_back(file);
    } else if (own[i].rfind("--config=", 0) == 0) {
      file = own[i].substr(9);
    } else {
      continue;
    }
    for (auto& a : config_file_arguments(*command, file, own)) out.push_back(std::move(a));
  }
  return out;
}

}  // namespace moeserve::app
