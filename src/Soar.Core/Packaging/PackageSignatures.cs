using NuGet.Common;
using NuGet.Configuration;
using NuGet.Packaging;
using NuGet.Packaging.Signing;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// NuGet package signatures, verified with NuGet's own verifier under the policy NuGet.config sets for restore
/// (signatureValidationMode accept/require, trustedSigners): a signed package whose signature or contents do not verify
/// is refused; an unsigned one is accepted (restore accepts it too) and reported as unsigned.
/// </summary>
public static class PackageSignatures
{
    public const string Unsigned = "unsigned (no NuGet signature; integrity rests on the content hash pin and soar.packages.lock.json)";

    /// <summary>Verifies <paramref name="nupkgPath"/>; returns who signed it, or <see cref="Unsigned"/>. Errors name <paramref name="label"/>.</summary>
    public static async Task<string> VerifyAsync(string nupkgPath, string label, ISettings settings, CancellationToken ct)
    {
        using var reader = new PackageArchiveReader(nupkgPath);
        if (!await reader.IsSignedAsync(ct)) return Unsigned;
        var policy = ClientPolicyContext.GetClientPolicy(settings, NullLogger.Instance);
        var requireAllowList = policy.Policy == SignatureValidationMode.Require;
        var verifier = new PackageSignatureVerifier(
        [
            new IntegrityVerificationProvider(),
            new SignatureTrustAndValidityVerificationProvider(),
            new AllowListVerificationProvider(policy.AllowList, requireAllowList,
                $"NuGet.config requires signed packages from trusted signers but lists none", $"{label} is not signed by a trusted signer listed in NuGet.config"),
        ]);
        VerifySignaturesResult result;
        try { result = await verifier.VerifySignaturesAsync(reader, policy.VerifierSettings, ct); }
        catch (SignatureException e) { throw new StageException("SOAR2617", $"{label}: its NuGet signature could not be verified ({e.Code}: {e.Message}); refusing it", e); }
        var primary = await reader.GetPrimarySignatureAsync(ct)
            ?? throw new StageException("SOAR2617", $"{label}: NuGet reported a signature but returned none to verify; refusing it");
        var signer = $"{primary.Type.ToString().ToLowerInvariant()}-signed by {primary.SignerInfo.Certificate?.Subject ?? "(no certificate)"} (certificate SHA-256 {primary.SignerInfo.Certificate?.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)})";
        if (!result.IsValid)
        {
            var errors = result.Results.SelectMany(r => r.Issues).Where(i => i.Level == LogLevel.Error).Select(i => $"{i.Code}: {i.Message}").Distinct();
            throw new StageException("SOAR2617", $"{label}: {signer}, but its NuGet signature does not verify ({string.Join("; ", errors)}); refusing it");
        }
        return $"{signer}, signature verified";
    }
}
