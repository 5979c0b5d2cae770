using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NuGet.Common;
using NuGet.Packaging.Signing;
using Soar.Core.Packaging;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Packaging;

/// <summary>NuGet package signatures are verified with NuGet's verifier on restore; the signer is reported, a broken signature refused.</summary>
[Collection(PackagedPipelineCollection.Name)]
public class PackageSignatureTests(PackagedPipeline pipeline)
{
    [Fact]
    public async Task A_signed_package_reports_its_signer_and_a_package_changed_after_signing_is_refused()
    {
        var feedDir = pipeline.Dir.File("signed-feed");
        Directory.CreateDirectory(feedDir);
        var unsigned = ModelPackageWriter.Write(ModelPackageInfo.Parse("Contoso.Signed", "1.0.0", "Contoso", "MIT", null), pipeline.Model, null, pipeline.Dir.File("signed-pack"));
        var signed = Path.Combine(feedDir, Path.GetFileName(unsigned));
        using (var certificate = SelfSignedCodeSigningCertificate())
        using (var options = SigningOptions.CreateFromFilePaths(unsigned, signed, overwrite: true, new X509SignatureProvider(timestampProvider: null), NullLogger.Instance))
            await SigningUtility.SignAsync(options, new AuthorSignPackageRequest(certificate, NuGet.Common.HashAlgorithmName.SHA256), CancellationToken.None);

        var feed = ModelFeed.Resolve(feedDir, pipeline.Dir.Path);
        var restored = await feed.RestoreAsync("Contoso.Signed", "1.0.0", pipeline.Dir.File("signed-cache"), NullLogger.Instance, CancellationToken.None);
        Assert.Contains("author-signed by CN=Soar Test Signer", restored.Signature);
        Assert.Contains("signature verified", restored.Signature);

        // One entry changed after signing (the signature itself kept): NuGet's integrity check fails.
        using (var zip = System.IO.Compression.ZipFile.Open(signed, System.IO.Compression.ZipArchiveMode.Update))
        using (var w = new StreamWriter(zip.GetEntry("README.md")!.Open()))
            w.Write("# replaced");
        var e = await Assert.ThrowsAsync<StageException>(() => feed.RestoreAsync("Contoso.Signed", "1.0.0", pipeline.Dir.File("signed-cache-2"), NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2617", e.Code);
        Assert.Contains("package Contoso.Signed 1.0.0", e.Message);
        Assert.Contains("CN=Soar Test Signer", e.Message);
    }

    private static X509Certificate2 SelfSignedCodeSigningCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Soar Test Signer", key, System.Security.Cryptography.HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.3")], true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }
}
