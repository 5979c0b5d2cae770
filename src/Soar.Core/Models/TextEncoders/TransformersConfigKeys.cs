namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// The config.json keys every transformers model may carry that never change an encoder's forward: PretrainedConfig's
/// bookkeeping and generation settings. Each model config adds its own ignored keys (dropouts, initialisation).
/// </summary>
public static class TransformersConfigKeys
{
    public const string Library = "transformers";
    /// <summary>Written as "transformers_version".</summary>
    public const string Version = "4.41.0";

    public static IReadOnlySet<string> Bookkeeping { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "architectures", "model_type", "torch_dtype", "dtype", "transformers_version", "use_cache", "output_past",
        "output_attentions", "output_hidden_states", "return_dict", "torchscript", "use_bfloat16", "pruned_heads",
        "is_encoder_decoder", "is_decoder", "add_cross_attention", "cross_attention_hidden_size",
        "tie_encoder_decoder", "chunk_size_feed_forward", "id2label", "label2id", "num_labels", "problem_type",
        "finetuning_task", "tokenizer_class", "prefix", "task_specific_params", "gradient_checkpointing",
        "sep_token_id", "decoder_start_token_id",
        "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups", "diversity_penalty",
        "temperature", "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
        "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores", "return_dict_in_generate",
        "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty",
        "suppress_tokens", "begin_suppress_tokens",
    };

    /// <summary>A key this tool reads without using it: "_"-prefixed, PretrainedConfig's, or one of the model's own <paramref name="modelIgnored"/>.</summary>
    public static bool IsIgnored(string key, IReadOnlySet<string> modelIgnored) =>
        key.StartsWith('_') || Bookkeeping.Contains(key) || modelIgnored.Contains(key);
}
