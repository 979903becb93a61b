#pragma once
// gguf_to_hf: a llama-architecture GGUF model as an F32 Hugging Face directory, for the
// quantization accuracy table's baseline (models/SmolLM2-135M-Instruct.Q4_1.gguf
// dequantized to float) and as the input of `moeserve quantize`.
//
//   GGUF                      Hugging Face
//   token_embd.weight         model.embed_tokens.weight
//   output_norm.weight        model.norm.weight
//   output.weight             lm_head.weight            (absent: tied embeddings)
//   blk.N.attn_norm.weight    model.layers.N.input_layernorm.weight
//   blk.N.attn_{q,k,v,output} model.layers.N.self_attn.{q,k,v,o}_proj.weight
//   blk.N.ffn_norm.weight     model.layers.N.post_attention_layernorm.weight
//   blk.N.ffn_{gate,up,down}  model.layers.N.mlp.{gate,up,down}_proj.weight
//
// llama.cpp's converter permutes the rows of q and k so that its rope rotates adjacent
// pairs; they are put back in Hugging Face's (rotate-half) order, per head of d rows:
//
//   hf_row(h, j, i) = h*d + j*(d/2) + i   <-   gguf_row = h*d + 2*i + j     (j in {0,1})
//
// so the converted model computes the same function (our decoder uses interleaved rope for
// GGUF llama and rotate-half for Hugging Face llama). config.json is written from the GGUF
// metadata (model_config); tokenizer.json is copied from `tokenizer_json` when given.
//
// Only llama models are converted (std::invalid_argument otherwise). Threading: one call
// at a time per directory; tensors are dequantized one at a time while being written.
#include <filesystem>

namespace moeserve::bench {

void convert_gguf_to_hf(const std::filesystem::path& gguf, const std::filesystem::path& directory,
                        const std::filesystem::path& tokenizer_json = {});

}  // namespace moeserve::bench
