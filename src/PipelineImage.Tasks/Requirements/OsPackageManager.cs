namespace PipelineImage.Requirements;

/// <summary>The OS package managers requirements can be installed with.</summary>
internal enum OsPackageManager
{
    /// <summary>Debian and Ubuntu: <c>apt-get</c>, versions pinned as <c>name=version</c>.</summary>
    Apt,

    /// <summary>Alpine: <c>apk</c>, versions pinned as <c>name=version</c>.</summary>
    Apk,

    /// <summary>Azure Linux and CBL-Mariner: <c>tdnf</c>, versions pinned as <c>name-version</c>.</summary>
    Tdnf,
}

/// <summary>The Linux distribution family of a base image, as far as its reference tells.</summary>
internal enum OsFamily
{
    /// <summary>Not recognized: OS requirements need PipelineImageOsPackageManager.</summary>
    Unknown,

    /// <summary>Debian or Ubuntu (apt).</summary>
    Debian,

    /// <summary>Alpine (apk).</summary>
    Alpine,

    /// <summary>Azure Linux or CBL-Mariner (tdnf).</summary>
    AzureLinux,

    /// <summary>Chiseled or distroless: no shell and no package manager, so nothing can be installed.</summary>
    Distroless,
}

/// <summary>Names and conversions of <see cref="OsPackageManager"/>.</summary>
internal static class OsPackageManagers
{
    /// <summary>The name used in Manager metadata and PipelineImageOsPackageManager: <c>apt</c>, <c>apk</c>, <c>tdnf</c>.</summary>
    public static string Name(this OsPackageManager manager) => manager switch
    {
        OsPackageManager.Apt => "apt",
        OsPackageManager.Apk => "apk",
        OsPackageManager.Tdnf => "tdnf",
        _ => throw new ArgumentOutOfRangeException(nameof(manager)),
    };

    /// <summary>Parses a manager name, case-insensitively and ignoring surrounding white space.</summary>
    public static bool TryParse(string name, out OsPackageManager manager)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "apt":
                manager = OsPackageManager.Apt;
                return true;
            case "apk":
                manager = OsPackageManager.Apk;
                return true;
            case "tdnf":
                manager = OsPackageManager.Tdnf;
                return true;
            default:
                manager = default;
                return false;
        }
    }

    /// <summary>The manager of a family; null for <see cref="OsFamily.Unknown"/> and <see cref="OsFamily.Distroless"/>.</summary>
    public static OsPackageManager? Of(OsFamily family) => family switch
    {
        OsFamily.Debian => OsPackageManager.Apt,
        OsFamily.Alpine => OsPackageManager.Apk,
        OsFamily.AzureLinux => OsPackageManager.Tdnf,
        _ => null,
    };
}
