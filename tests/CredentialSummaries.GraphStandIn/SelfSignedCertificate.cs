using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CredentialSummaries.GraphStandIn;

/// <summary>The stand-in's TLS certificate (made at start, never stored) and the ways a client comes to trust it.</summary>
public static class SelfSignedCertificate
{
    /// <summary>The system's CA bundle on Debian/Ubuntu, which <see cref="WriteCaBundle"/> extends.</summary>
    public const string SystemBundle = "/etc/ssl/certs/ca-certificates.crt";

    /// <summary>
    /// An RSA 2048 certificate for <c>CN=127.0.0.1</c> (SAN IP 127.0.0.1 and DNS localhost, EKU serverAuth), valid from
    /// a day ago for 30 days. It is its own CA (basicConstraints CA:TRUE, keyCertSign) so that OpenSSL, and .NET on
    /// Linux through it, take it as a trust anchor from a bundle file.
    /// </summary>
    public static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        // Round-trip through PKCS#12 so that the private key is a persisted, exportable one, as Kestrel's SslStream wants.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), password: null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>
    /// Writes <paramref name="path"/>: the system's bundle (<see cref="SystemBundle"/>, when there is one) followed by the
    /// certificate's PEM, so that a process started with <c>SSL_CERT_FILE=path</c> trusts both the Internet and the stand-in.
    /// </summary>
    public static void WriteCaBundle(X509Certificate2 certificate, string path)
    {
        var system = File.Exists(SystemBundle) ? File.ReadAllText(SystemBundle) : "";
        if (system.Length > 0 && !system.EndsWith('\n'))
        {
            system += "\n";
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, system + "# CredentialSummaries Graph stand-in (CN=127.0.0.1)\n" + certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>
    /// True when <paramref name="presented"/> chains to <paramref name="anchor"/> alone (custom root trust, no system
    /// roots): how a test's HttpClient trusts the stand-in without trusting anything else it did not make.
    /// </summary>
    public static bool ChainsTo(X509Certificate2 anchor, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(leaf);
    }
}
