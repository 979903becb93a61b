#include "net/model_list.hpp"

#include "net/json_writer.hpp"

namespace moeserve::net {

std::string model_list_json(std::span<const model_card> models) {
  json_writer w;
  w.begin_object().key("object").string("list").key("data").begin_array();
  for (const model_card& m : models) {
    w.begin_object();
    w.key("id").string(m.id);
    w.key("object").string("model");
    w.key("created").integer(m.created);
    w.key("owned_by").string("moeserve");
    w.key("root").string(m.root);
    w.key("parent").null();
    w.key("max_model_len").integer(m.max_model_len);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace moeserve::net
