#include "app/config_file.hpp"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <set>

namespace moeserve::app {

namespace {

// A YAML node as JSON text (for flags that take a JSON value, such as --quantization).
void append_json(std::string& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& kv : node) {
        if (!first) out += ',';
        first = false;
        append_json(out, YAML::Node(kv.first.as<std::string>()));
        out += ':';
        append_json(out, kv.second);
      }
      out += '}';
      return;
    }
    case YAML::NodeType::Sequence: {
      out += '[';
      for (std::size_t i = 0; i < node.size(); ++i) {
        if (i) out += ',';
        append_json(out, node[i]);
      }
      out += ']';
      return;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      // Plain scalars that read as JSON literals stay literals; everything else is a string.
      const bool literal = node.Tag() != "!" && (s == "true" || s == "false" || s == "null" ||
                                                 (!s.empty() && s.find_first_not_of("0123456789+-.eE") == std::string::npos &&
                                                  (std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '-')));
      if (literal) {
        out += s;
        return;
      }
      out += '"';
      for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
          continue;
        }
        out += c;
      }
      out += '"';
      return;
    }
    default:
      out += "null";
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
    const std::string name = a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2);
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
      std::string json;
      append_json(json, value);
      out.push_back(flag);
      out.push_back(std::move(json));
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
