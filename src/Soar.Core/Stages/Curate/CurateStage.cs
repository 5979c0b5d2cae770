using System.Text.Json;
using Soar.Core.Curation;
using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Rewards;
using Soar.Core.Worlds;

namespace Soar.Core.Stages.Curate;

/// <summary>
/// Builds a Hugging Face-layout Parquet dataset (data/train-*.parquet, data/validation-*.parquet, dataset.json,
/// curation-report.json) from a built-in world or a user folder/Parquet source: validates, normalises to square
/// images of side ImageSize, deduplicates, filters and splits by a seeded content hash. Nothing is replaced
/// until the whole run succeeded.
/// Errors: SOAR2001 source not found or unreadable, SOAR2002 no usable rows, SOAR2003 world cannot render the size,
/// SOAR2004 invalid row under FailOnInvalid, SOAR2005 bad filter parameter, SOAR2006 score command failed,
/// SOAR2013 ImageSize does not fit the Pipeline, SOAR2014 Pipeline is not a usable diffusers folder, SOAR2016 an image
/// is smaller than ImageSize under Fit=center. With Pipeline set, the images and captions are also encoded into the
/// latent cache (<see cref="LatentEncoding"/>).
/// Warning SOAR2101: a row was skipped (the first <see cref="MaxListedDrops"/> are named in the log).
/// The user-data formats and rules are in docs/datasets.md.
/// </summary>
public sealed class CurateStage : IStage
{
    public const string TrainSplit = "train";
    public const string ValidationSplit = "validation";
    public const string ManifestFileName = "dataset.json";
    /// <summary>Files read from outside the Source folder, one a line relative to the project folder; the build
    /// lists them as inputs of the stage (SourcePaths in Soar.Pipeline.Tasks reads this name), so editing one reruns it.</summary>
    public const string OutsideFilesFileName = "outside-files.txt";
    public const string DatasetsDoc = "docs/datasets.md";

    /// <summary>Skipped rows named one by one in the log; the rest are only counted (all are in the report).</summary>
    public const int MaxListedDrops = 20;

    public string Kind => "curate";

    public StageResult Run(StageContext context, CancellationToken cancellationToken)
    {
        var source = context.String("Source").Trim();
        long seed = context.Long("Seed");
        int imageSize = context.Int("ImageSize");
        double validationFraction = context.Double("ValidationFraction");
        Directory.CreateDirectory(context.OutputDir);

        // A pipeline base is checked before any row is read: a wrong folder or ImageSize fails fast.
        var pipelineFolder = PipelineOf(context);
        if (pipelineFolder is not null) LatentEncoding.CheckImageSize(context, pipelineFolder, imageSize);

        using var scoreFilter = ScoreFilterOf(context);
        var report = new CurationReport { Source = source };
        bool isWorld = IsWorldName(source, out var world);
        var pipeline = BuildPipeline(context, imageSize, isWorld, scoreFilter, report);

        var writer = new ParquetDatasetWriter { RowGroupSize = context.Int("RowGroupSize"), MaxRowsPerShard = context.Int("RowsPerShard") };
        using var train = writer.OpenSplit(context.OutputDir, TrainSplit);
        using var validation = writer.OpenSplit(context.OutputDir, ValidationSplit);
        var split = new ContentSplit(seed, validationFraction);
        void Keep(DatasetRecord row) => (split.IsValidation(row.ImageBytes) ? validation : train).Add(row);
        long listed = 0;
        void Dropped(RowDrop drop)
        {
            if (++listed <= MaxListedDrops)
                context.Log.Warning("SOAR2101", $"skipped ({drop.Reason}): {drop.Message}{(listed == MaxListedDrops ? " (further skipped rows are counted here and listed in " + CurationReport.FileName + ")" : "")}");
        }

        string worldName;
        DatasetReader? reader = null;
        IEnumerable<DatasetRecord> rows;
        long total;
        if (isWorld)
        {
            worldName = world.Name;
            total = context.Int("Count");
            rows = WorldRows(context, world, seed, imageSize, (int)total);
        }
        else
        {
            worldName = "custom";
            (reader, total) = OpenSource(context, ResolveSourcePath(context, source));
            rows = reader.Read();
        }

        var progress = new ProgressReporter(context.Log, (int)Math.Min(total, int.MaxValue));
        try
        {
            pipeline.Run(rows, Keep, Dropped, done => progress.Step((int)Math.Min(done, int.MaxValue)), cancellationToken);
        }
        catch (InvalidRowException e)
        {
            throw new StageException("SOAR2004", $"stage '{context.Name}': invalid row ({e.Drop.Reason}): {e.Message}; fix or remove it, or drop FailOnInvalid=\"true\" to skip invalid rows with a report", e);
        }
        catch (RewardException e)
        {
            throw new StageException("SOAR2006", $"stage '{context.Name}': ScoreFilter failed: {e.Message}", e);
        }
        catch (ImageTooSmallException e)
        {
            throw new StageException("SOAR2016", $"stage '{context.Name}': {e.Message}; use Fit=\"crop\" or Fit=\"pad\" to scale images to ImageSize, lower ImageSize, or remove {e.Row}", e);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new StageException("SOAR2001", $"stage '{context.Name}': cannot read Source: {e.Message} (formats and rules: {DatasetsDoc})", e);
        }
        var outside = (reader?.OutsideFiles ?? []).Select(f => Path.GetRelativePath(ProjectDir(context), f).Replace('\\', '/')).ToList();
        report.OutsideFiles.AddRange(outside);
        if (pipeline.Deduplicator is { } dedupe)
            report.DuplicateGroups.AddRange(dedupe.Groups.Take(CurationReport.MaxListedGroups).Select(g => new CurationReport.DuplicateGroup(g.Key, g.Value)));

        if (report.Kept == 0)
            throw new StageException("SOAR2002", $"stage '{context.Name}': no usable rows in '{source}' ({report.Summary()}); the reasons are listed above; fix the data (formats: {DatasetsDoc}), loosen the filters or point Source at another dataset");
        if (train.RowCount == 0)
            throw new StageException("SOAR2002", $"stage '{context.Name}': all {report.Kept} rows fell into the validation split; add rows or lower ValidationFraction");
        // Eval and sample on custom data default to the validation captions; without any they fall back to training captions.
        if (validation.RowCount == 0 && validationFraction > 0)
            context.Log.Warning("SOAR2011", $"none of the {report.Kept} rows fell into the validation split (ValidationFraction={validationFraction}); eval and sample then use training captions. Add rows or raise ValidationFraction for held-out captions");

        var trainFiles = train.Complete();
        var validationFiles = validation.Complete();
        RemoveStaleShards(context.OutputDir, trainFiles.Concat(validationFiles));
        if (pipelineFolder is not null) LatentEncoding.Build(context, pipelineFolder, imageSize, cancellationToken);
        report.Write(Path.Combine(context.OutputDir, CurationReport.FileName));
        var outsideList = Path.Combine(context.OutputDir, OutsideFilesFileName);
        if (outside.Count > 0) AtomicFile.WriteAllText(outsideList, string.Join("\n", outside) + "\n");
        else if (File.Exists(outsideList)) File.Delete(outsideList);
        WriteManifest(context.OutputDir, new CuratedDatasetInfo
        {
            World = worldName,
            Source = source,
            ImageSize = imageSize,
            Background = Colours.ToHex(pipeline.Validator.Background),
            Seed = seed,
            ValidationFraction = validationFraction,
            Rows = new Dictionary<string, long> { [TrainSplit] = train.RowCount, [ValidationSplit] = validation.RowCount },
            Files = new Dictionary<string, string[]>
            {
                [TrainSplit] = trainFiles.Select(f => Path.GetRelativePath(context.OutputDir, f).Replace('\\', '/')).ToArray(),
                [ValidationSplit] = validationFiles.Select(f => Path.GetRelativePath(context.OutputDir, f).Replace('\\', '/')).ToArray(),
            },
            Dropped = report.DroppedTotal,
            DroppedByReason = new Dictionary<string, long>(report.Dropped),
        });
        if (report.CaptionsCleaned > 0)
            context.Log.Info($"cleaned the caption of {report.CaptionsCleaned} row(s) (line breaks or tabs replaced by spaces; each is listed in {CurationReport.FileName})");
        context.Log.Info($"{report.Summary()}; wrote {train.RowCount} train and {validation.RowCount} validation rows ({worldName}, {imageSize}x{imageSize}); report: {CurationReport.FileName}");

        var result = new StageResult();
        result.Metrics["rows_train"] = train.RowCount;
        result.Metrics["rows_validation"] = validation.RowCount;
        result.Metrics["rows_dropped"] = report.DroppedTotal;
        foreach (var (reason, count) in report.Dropped) result.Metrics[$"dropped_{reason}"] = count;
        result.Seeds["seed"] = seed;
        result.Notes["world"] = worldName;
        result.Notes["source"] = source;
        return result;
    }

    private static CurationPipeline BuildPipeline(StageContext context, int imageSize, bool isWorld, ScoreFilter? scoreFilter, CurationReport report)
    {
        var dedupe = context.String("Deduplicate").Trim().ToLowerInvariant();
        if (dedupe == "auto") dedupe = isWorld ? "none" : "exact";
        int nearDistance = context.Int("NearDuplicateDistance");
        try
        {
            return new CurationPipeline
            {
                ImageSize = imageSize,
                Fit = SquareFitting.Parse(context.String("Fit")),
                Validator = new RowValidator(context.Long("MaxImagePixels"), context.Int("MaxCaptionTokens"))
                {
                    Background = Colours.Parse(context.String("Background"), "Background"),
                },
                Deduplicator = dedupe switch
                {
                    "none" => null,
                    "exact" => new Deduplicator(-1),
                    "near" => new Deduplicator(nearDistance),
                    _ => throw new ArgumentException($"Deduplicate '{dedupe}' is unknown; use auto, none, exact or near"),
                },
                CaptionRules = new CaptionRules(context.String("CaptionInclude"), context.String("CaptionExclude"), context.Int("MinCaptionLength"), context.Int("MaxCaptionLength")),
                ImageRules = new ImageRules(context.Int("MinImageSide"), context.Double("MaxAspectRatio")),
                ScoreFilter = scoreFilter,
                FailOnInvalid = context.Bool("FailOnInvalid"),
                Report = report,
            };
        }
        catch (ArgumentException e)
        {
            throw new StageException("SOAR2005", $"stage '{context.Name}': {e.Message}", e);
        }
    }

    /// <summary>The Pipeline parameter's diffusers folder (relative to the project), or null; SOAR2014 names a bad one.</summary>
    private static Models.Pipeline.SD3PipelineFolder? PipelineOf(StageContext context)
    {
        var raw = context.String("Pipeline").Trim();
        if (raw.Length == 0) return null;
        try
        {
            var folder = Models.Pipeline.SD3PipelineFolder.Open(Path.GetFullPath(Path.Combine(ProjectDir(context), raw)));
            var sampling = context.String("LatentSampling").Trim().ToLowerInvariant();
            if (sampling is not (LatentCache.MeanSampling or LatentCache.SampleSampling))
                throw new InvalidDataException($"LatentSampling '{sampling}' is unknown; use {LatentCache.MeanSampling} or {LatentCache.SampleSampling}");
            return folder;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new StageException("SOAR2014", $"stage '{context.Name}': Pipeline=\"{raw}\": {e.Message}", e);
        }
    }

    private static ScoreFilter? ScoreFilterOf(StageContext context)
    {
        var baseDir = context.Spec.ProjectPath is { } p ? Path.GetDirectoryName(Path.GetFullPath(p))! : Directory.GetCurrentDirectory();
        try
        {
            return ScoreFilter.Parse(context.String("ScoreFilter"), context.Double("ScoreThreshold"), baseDir, TimeSpan.FromSeconds(context.Double("ScoreTimeout")));
        }
        catch (ArgumentException e)
        {
            throw new StageException("SOAR2005", $"stage '{context.Name}': {e.Message}", e);
        }
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

    private static IEnumerable<DatasetRecord> WorldRows(StageContext context, IWorld world, long seed, int imageSize, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var sample = Generate(context, world, seed, i, imageSize);
            yield return new DatasetRecord
            {
                ImageBytes = ImageCodec.EncodePng(sample.Image),
                ImagePath = $"{i:000000}.png",
                Caption = sample.Caption,
                Task = sample.Family,
                Annotations = sample.Annotations.ToJson(),
                OriginalWidth = imageSize,
                OriginalHeight = imageSize,
                Source = $"{world.Name} #{i}",
            };
        }
    }

    private static WorldSample Generate(StageContext context, IWorld world, long seed, int index, int imageSize)
    {
        try
        {
            return world.Generate(seed, index, imageSize);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new StageException("SOAR2003", $"stage '{context.Name}': {e.Message.Split(" (Parameter")[0]}; raise ImageSize", e);
        }
    }

    private static (DatasetReader Reader, long Total) OpenSource(StageContext context, string path)
    {
        var options = new DatasetReadOptions
        {
            KeepBrokenRows = true,
            MaxFileBytes = context.Long("MaxFileBytes"),
            AllowOutsideFiles = context.Bool("AllowOutsideSource"),
            // Rows are named relative to the project, so the report is the same in every checkout.
            NamesRelativeTo = ProjectDir(context),
        };
        try
        {
            var reader = DatasetReader.Open(path, options: options);
            long total = reader.CountRows();
            if (total == 0)
                throw new StageException("SOAR2002", $"stage '{context.Name}': Source '{context.String("Source")}' has no rows; add images to it ({DatasetsDoc})");
            return (reader, total);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new StageException("SOAR2001", $"stage '{context.Name}': cannot read Source: {e.Message} (formats and rules: {DatasetsDoc})", e);
        }
    }

    private static string ProjectDir(StageContext context) =>
        context.Spec.ProjectPath is { } p ? Path.GetDirectoryName(Path.GetFullPath(p))! : Directory.GetCurrentDirectory();

    // Old shards of another shard count would sit beside the new ones; they go only once the new ones are in place.
    private static void RemoveStaleShards(string outputDir, IEnumerable<string> current)
    {
        var dataDir = Path.Combine(outputDir, "data");
        var keep = new HashSet<string>(current.Select(Path.GetFullPath), StringComparer.Ordinal);
        foreach (var split in new[] { TrainSplit, ValidationSplit })
            foreach (var f in Directory.EnumerateFiles(dataDir, $"{split}-*-of-*.parquet"))
                if (!keep.Contains(Path.GetFullPath(f)))
                    File.Delete(f);
    }

    private static void WriteManifest(string outputDir, CuratedDatasetInfo info) =>
        AtomicFile.WriteAllText(Path.Combine(outputDir, ManifestFileName), JsonSerializer.Serialize(info, CuratedDatasetInfo.Json));
}
