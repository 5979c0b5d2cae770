using System.Runtime.ExceptionServices;
using Soar.Core.Data;
using Soar.Core.Imaging;

namespace Soar.Core.Curation;

/// <summary>
/// Validates, normalises, deduplicates and filters rows in batches: decoding, resizing, hashing and scoring run
/// on all cores; the order-dependent steps (duplicates keep the first, output order) run in input order.
/// Memory holds one batch of images, so it stays flat in the number of rows.
/// </summary>
public sealed class CurationPipeline
{
    public required int ImageSize { get; init; }
    public SquareFit Fit { get; init; } = SquareFit.Crop;
    public required RowValidator Validator { get; init; }
    /// <summary>Null: no deduplication.</summary>
    public Deduplicator? Deduplicator { get; init; }
    public CaptionRules? CaptionRules { get; init; }
    public ImageRules? ImageRules { get; init; }
    public ScoreFilter? ScoreFilter { get; init; }
    /// <summary>Stop at the first invalid row with <see cref="InvalidRowException"/> instead of skipping it.</summary>
    public bool FailOnInvalid { get; init; }
    public int BatchSize { get; init; } = 16 * Environment.ProcessorCount;

    public CurationReport Report { get; init; } = new();

    /// <summary>Runs every row through; <paramref name="keep"/> gets each kept, normalised row in input order,
    /// <paramref name="dropped"/> each left-out row, <paramref name="progress"/> the rows read after each batch.</summary>
    public void Run(IEnumerable<DatasetRecord> rows, Action<DatasetRecord> keep, Action<RowDrop> dropped, Action<long> progress, CancellationToken cancellationToken)
    {
        var batch = new List<DatasetRecord>(BatchSize);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Add(row);
            if (batch.Count < BatchSize) continue;
            RunBatch(batch, keep, dropped, cancellationToken);
            progress(Report.RowsRead);
            batch.Clear();
        }
        if (batch.Count > 0)
        {
            RunBatch(batch, keep, dropped, cancellationToken);
            progress(Report.RowsRead);
        }
    }

    private void RunBatch(List<DatasetRecord> batch, Action<DatasetRecord> keep, Action<RowDrop> dropped, CancellationToken ct)
    {
        var prepared = new Prepared[batch.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct };
        InParallel(batch.Count, options, i => prepared[i] = Prepare(batch[i]));

        for (int i = 0; i < batch.Count; i++)
        {
            Report.RowsRead++;
            ref var p = ref prepared[i];
            if (p.Drop is { } invalid && FailOnInvalid && DropReason.Invalid.Contains(invalid.Reason))
                throw new InvalidRowException(invalid);
            if (p.Drop is null && Deduplicator is not null)
                p.Drop = Deduplicator.Check(p.Print, batch[i].Source);
        }

        if (ScoreFilter is { } filter)
            InParallel(batch.Count, options, i =>
            {
                if (prepared[i].Drop is not null) return;
                var (score, detail) = filter.Score(prepared[i].Image!, batch[i], ct);
                if (score < filter.Threshold)
                    prepared[i].Drop = new RowDrop(batch[i].Source, DropReason.ScoreFilter, $"{batch[i].Source}: score {score:0.####} under ScoreThreshold={filter.Threshold} ({filter.Name}; {detail})");
            });

        for (int i = 0; i < batch.Count; i++)
        {
            var p = prepared[i];
            if (p.Drop is { } drop)
            {
                Report.Add(drop);
                dropped(drop);
                continue;
            }
            if (p.Cleaned is { } note) Report.AddCleaned(new RowNote(batch[i].Source, note));
            keep(batch[i] with
            {
                Caption = p.Caption!,
                ImageBytes = ImageCodec.EncodePng(p.Image!),
                ImagePath = $"{Report.Kept:000000}.png",
                OriginalWidth = p.OriginalWidth,
                OriginalHeight = p.OriginalHeight,
            });
            Report.Kept++;
        }
    }

    // Parallel.For wraps failures; the first one is rethrown as itself so callers see e.g. a command's own error.
    private static void InParallel(int count, ParallelOptions options, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, options, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    private Prepared Prepare(DatasetRecord row)
    {
        var (caption, cleaned, rejected) = CaptionCleaning.Clean(row.Caption);
        if (rejected is not null && row.Problem is null)
            return new Prepared { Drop = new RowDrop(row.Source, DropReason.ControlCharacters, $"{row.Source}: {rejected}") };
        if (cleaned is not null) row = row with { Caption = caption! };
        var original = Validator.Validate(row, out var invalid);
        if (original is null) return new Prepared { Drop = invalid };
        if (CaptionRules?.Reject(row.Caption) is { } captionRule)
            return new Prepared { Drop = new RowDrop(row.Source, DropReason.CaptionFilter, $"{row.Source}: {captionRule}") };
        if (ImageRules?.Reject(original.Width, original.Height) is { } imageRule)
            return new Prepared { Drop = new RowDrop(row.Source, DropReason.ImageFilter, $"{row.Source}: {imageRule}") };
        var square = SquareFitting.Apply(original, ImageSize, Fit, row.Source);
        return new Prepared
        {
            Caption = row.Caption,
            Cleaned = cleaned,
            Image = square,
            Print = new ImageFingerprint(ImageFingerprint.ContentHash(original), ImageFingerprint.DifferenceHash(square)),
            OriginalWidth = original.Width,
            OriginalHeight = original.Height,
        };
    }

    private struct Prepared
    {
        public RowDrop? Drop;
        public string? Caption;
        public string? Cleaned;
        public RgbImage? Image;
        public ImageFingerprint Print;
        public int OriginalWidth;
        public int OriginalHeight;
    }
}
