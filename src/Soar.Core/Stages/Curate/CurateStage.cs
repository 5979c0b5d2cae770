using System.Text.Json;
using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Stages.Curate;

/// <summary>
/// Builds a Hugging Face-layout Parquet dataset (data/train-*.parquet, data/validation-*.parquet, dataset.json)
/// from a built-in world or from a user folder/Parquet source, with square images of side ImageSize.
/// Errors: SOAR2001 source not found or unreadable, SOAR2002 no usable rows, SOAR2003 world cannot render the size.
/// Warning SOAR2101: a row whose image cannot be decoded was skipped.
/// </summary>
public sealed class CurateStage : IStage
{
    public const string TrainSplit = "train";
    public const string ValidationSplit = "validation";
    public const string ManifestFileName = "dataset.json";

    /// <summary>Undecodable rows named one by one in the log; the rest are only counted.</summary>
    public const int MaxListedDrops = 20;

    public string Kind => "curate";

    public StageResult Run(StageContext context, CancellationToken cancellationToken)
    {
        var source = context.String("Source").Trim();
        long seed = context.Long("Seed");
        int imageSize = context.Int("ImageSize");
        double validationFraction = context.Double("ValidationFraction");
        Directory.CreateDirectory(context.OutputDir);
        RemoveStaleShards(context.OutputDir);

        var writer = new ParquetDatasetWriter();
        using var train = writer.OpenSplit(context.OutputDir, TrainSplit);
        using var validation = writer.OpenSplit(context.OutputDir, ValidationSplit);
        var split = new ContentSplit(seed, validationFraction);
        void Add(DatasetRecord row) => (split.IsValidation(row.ImageBytes) ? validation : train).Add(row);

        CurateCounts counts;
        string worldName;
        if (IsWorldName(source, out var world))
        {
            worldName = world.Name;
            counts = FromWorld(context, world, seed, imageSize, Add, cancellationToken);
        }
        else
        {
            worldName = "custom";
            counts = FromPath(context, ResolveSourcePath(context, source), imageSize, Add, cancellationToken);
        }

        if (counts.Kept == 0)
            throw new StageException("SOAR2002", $"stage '{context.Name}': no usable rows in '{source}' ({counts.Dropped} dropped as undecodable); check the images or point Source at another dataset");
        if (train.RowCount == 0)
            throw new StageException("SOAR2002", $"stage '{context.Name}': all {counts.Kept} rows fell into the validation split; add rows or lower ValidationFraction");

        var trainFiles = train.Complete();
        var validationFiles = validation.Complete();
        WriteManifest(context.OutputDir, new CuratedDatasetInfo
        {
            World = worldName,
            Source = source,
            ImageSize = imageSize,
            Seed = seed,
            ValidationFraction = validationFraction,
            Rows = new Dictionary<string, long> { [TrainSplit] = train.RowCount, [ValidationSplit] = validation.RowCount },
            Files = new Dictionary<string, string[]>
            {
                [TrainSplit] = trainFiles.Select(f => Path.GetRelativePath(context.OutputDir, f).Replace('\\', '/')).ToArray(),
                [ValidationSplit] = validationFiles.Select(f => Path.GetRelativePath(context.OutputDir, f).Replace('\\', '/')).ToArray(),
            },
            Dropped = counts.Dropped,
        });
        context.Log.Info($"wrote {train.RowCount} train and {validation.RowCount} validation rows ({worldName}, {imageSize}x{imageSize}){(counts.Dropped > 0 ? $", dropped {counts.Dropped} undecodable" : "")}");

        var result = new StageResult();
        result.Metrics["rows_train"] = train.RowCount;
        result.Metrics["rows_validation"] = validation.RowCount;
        result.Metrics["rows_dropped"] = counts.Dropped;
        result.Seeds["seed"] = seed;
        result.Notes["world"] = worldName;
        result.Notes["source"] = source;
        return result;
    }

    private static bool IsWorldName(string source, out IWorld world)
    {
        // A bare world name means the world; anything that looks like a path is read from disk.
        bool looksLikePath = source.IndexOfAny(['/', '\\', '.']) >= 0;
        world = null!;
        return !looksLikePath && WorldCatalog.TryGet(source, out world);
    }

    private static string ResolveSourcePath(StageContext context, string source)
    {
        if (source.Length == 0)
            throw new StageException("SOAR2001", $"stage '{context.Name}': Source is empty; use a world name ({string.Join(", ", WorldCatalog.Names)}) or a path");
        var baseDir = context.Spec.ProjectPath is { } p ? Path.GetDirectoryName(Path.GetFullPath(p))! : Directory.GetCurrentDirectory();
        var full = Path.GetFullPath(Path.Combine(baseDir, source));
        if (!File.Exists(full) && !Directory.Exists(full))
            throw new StageException("SOAR2001", $"stage '{context.Name}': Source '{source}' is neither a built-in world ({string.Join(", ", WorldCatalog.Names)}) nor an existing path (looked for {full})");
        return full;
    }

    private static CurateCounts FromWorld(StageContext context, IWorld world, long seed, int imageSize, Action<DatasetRecord> add, CancellationToken ct)
    {
        int count = context.Int("Count");
        var progress = new ProgressReporter(context.Log, count);
        for (int i = 0; i < count; i++)
        {
            ct.ThrowIfCancellationRequested();
            WorldSample sample;
            try
            {
                sample = world.Generate(seed, i, imageSize);
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new StageException("SOAR2003", $"stage '{context.Name}': {e.Message.Split(" (Parameter")[0]}; raise ImageSize", e);
            }
            add(new DatasetRecord
            {
                ImageBytes = ImageCodec.EncodePng(sample.Image),
                ImagePath = $"{i:000000}.png",
                Caption = sample.Caption,
                Task = sample.Family,
                Annotations = sample.Annotations.ToJson(),
                OriginalWidth = imageSize,
                OriginalHeight = imageSize,
            });
            progress.Step(i + 1);
        }
        return new CurateCounts(count, 0);
    }

    private static CurateCounts FromPath(StageContext context, string path, int imageSize, Action<DatasetRecord> add, CancellationToken ct)
    {
        DatasetReader reader;
        long total;
        try
        {
            reader = DatasetReader.Open(path);
            total = reader.CountRows();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new StageException("SOAR2001", $"stage '{context.Name}': cannot read Source: {e.Message}", e);
        }
        if (total == 0)
            throw new StageException("SOAR2002", $"stage '{context.Name}': Source '{path}' has no rows; add images to it");
        var progress = new ProgressReporter(context.Log, (int)Math.Min(total, int.MaxValue));
        long kept = 0, dropped = 0, seen = 0;
        try
        {
            foreach (var record in reader.Read(ct))
            {
                seen++;
                RgbImage image;
                try
                {
                    image = record.DecodeImage();
                }
                catch (InvalidDataException e)
                {
                    dropped++;
                    if (dropped <= MaxListedDrops)
                        context.Log.Warning("SOAR2101", $"skipped: {e.Message}{(dropped == MaxListedDrops ? " (further undecodable rows are counted, not listed)" : "")}");
                    progress.Step((int)seen);
                    continue;
                }
                var square = ImageResize.ToSquare(image, imageSize);
                add(record with
                {
                    ImageBytes = ImageCodec.EncodePng(square),
                    ImagePath = $"{kept:000000}.png",
                    OriginalWidth = image.Width,
                    OriginalHeight = image.Height,
                });
                kept++;
                progress.Step((int)seen);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new StageException("SOAR2001", $"stage '{context.Name}': cannot read Source: {e.Message}", e);
        }
        return new CurateCounts(kept, dropped);
    }

    private static void RemoveStaleShards(string outputDir)
    {
        var dataDir = Path.Combine(outputDir, "data");
        if (!Directory.Exists(dataDir)) return;
        foreach (var split in new[] { TrainSplit, ValidationSplit })
            foreach (var f in Directory.EnumerateFiles(dataDir, $"{split}-*-of-*.parquet"))
                File.Delete(f);
    }

    private static void WriteManifest(string outputDir, CuratedDatasetInfo info) =>
        AtomicFile.WriteAllText(Path.Combine(outputDir, ManifestFileName), JsonSerializer.Serialize(info, CuratedDatasetInfo.Json));

    private readonly record struct CurateCounts(long Kept, long Dropped);
}
