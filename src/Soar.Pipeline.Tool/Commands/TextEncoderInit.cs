using System.Globalization;
using Soar.Core.Models.TextEncoders;
using Soar.Core.Stages;
using static TorchSharp.torch;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// `soar model init --architecture clip|t5`: a seeded random CLIPTextModelWithProjection or T5EncoderModel in the
/// transformers layout, with the tiny tokenizer of <see cref="TinyTextEncoders"/> beside it in the same folder (as a
/// standalone transformers model folder holds both).
/// </summary>
public static class TextEncoderInit
{
    public const string Clip = "clip";
    public const string T5 = "t5";

    public static int Run(string architecture, string? configFile, long seed, ScalarType dtype, long maxShardBytes, string? padToken, DirectoryInfo output)
    {
        var outDir = AdHocStage.PrepareOutput(output);
        if (architecture == Clip)
        {
            var config = configFile is null ? TinyTextEncoders.Clip : ClipTextConfig.ReadFile(configFile);
            if (config.VocabSize < TinyTextEncoders.ClipVocabSize)
                throw new StageException("SOAR1003", $"--config {configFile}: vocab_size {config.VocabSize} is below the {TinyTextEncoders.ClipVocabSize} ids of the tokenizer init writes; use at least {TinyTextEncoders.ClipVocabSize}");
            if (padToken is not null && padToken != "!" && !TinyTextEncoders.ClipVocabulary().Contains(padToken))
                throw new StageException("SOAR1003", $"--pad-token {padToken}: not in the tiny CLIP vocabulary; use <|endoftext|> or !");
            Print(config.NumHiddenLayers, config.HiddenSize, config.ParameterCount(), "CLIP text model");
            manual_seed(seed);
            using var model = new ClipTextModelWithProjection(config);
            ModelCommand.WriteAtomically(outDir, temp =>
            {
                ClipTextFolder.Save(temp, model, dtype, maxShardBytes);
                TinyTextEncoders.WriteClipTokenizer(temp, padToken ?? ClipTokenizer.Defaults.PadToken);
            });
        }
        else
        {
            var config = configFile is null ? TinyTextEncoders.T5 : T5Config.ReadFile(configFile);
            if (config.VocabSize < TinyTextEncoders.T5Pieces)
                throw new StageException("SOAR1003", $"--config {configFile}: vocab_size {config.VocabSize} is below the {TinyTextEncoders.T5Pieces} pieces of the tokenizer init writes; use at least {TinyTextEncoders.T5Pieces}");
            Print(config.NumLayers, config.DModel, config.ParameterCount(), "T5 encoder");
            manual_seed(seed);
            using var model = new T5EncoderModel(config);
            ModelCommand.WriteAtomically(outDir, temp =>
            {
                T5Folder.Save(temp, model, dtype, maxShardBytes);
                TinyTextEncoders.WriteT5Tokenizer(temp);
            });
        }
        Console.WriteLine($"{architecture} encoder and tokenizer written to {outDir}");
        return 0;
    }

    private static void Print(int layers, int width, long parameters, string what) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {layers} layers, width {width}: {parameters / 1e6:0.###}M parameters ({ModelCommand.Mb(4.0 * parameters)} in float32)"));
}
