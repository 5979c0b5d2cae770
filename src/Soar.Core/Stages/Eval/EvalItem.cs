using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;

namespace Soar.Core.Stages.Eval;

/// <summary>One generated image of an arm: which prompt and sample it is, and its verdict (null without a scorer).</summary>
public sealed record EvalItem(int Prompt, int Sample, RgbImage Image, ImageVerdict? Verdict);
