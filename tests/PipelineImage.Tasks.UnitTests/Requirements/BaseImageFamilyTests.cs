using PipelineImage.Requirements;

namespace PipelineImage.Tests.Requirements;

public class BaseImageFamilyTests
{
    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0.11", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:10.0-preview.3", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:latest", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0-bookworm-slim", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:8.0-jammy", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", OsFamily.Debian, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-alpine", OsFamily.Alpine, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine3.20-amd64", OsFamily.Alpine, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-azurelinux3.0", OsFamily.AzureLinux, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0-cbl-mariner2.0", OsFamily.AzureLinux, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled", OsFamily.Distroless, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled-extra", OsFamily.Distroless, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-azurelinux3.0-distroless", OsFamily.Distroless, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0-nanoserver-ltsc2022", OsFamily.Unknown, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0-windowsservercore-ltsc2022", OsFamily.Unknown, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-something-new", OsFamily.Unknown, false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", OsFamily.Unknown, false)]
    [InlineData("mcr.microsoft.com/dotnet/nightly/runtime:10.0-alpine", OsFamily.Alpine, false)]
    [InlineData("MCR.microsoft.com/dotnet/runtime:10.0-Alpine", OsFamily.Alpine, false)]
    [InlineData("debian:bookworm-slim", OsFamily.Debian, false)]
    [InlineData("docker.io/library/debian:12", OsFamily.Debian, false)]
    [InlineData("ubuntu:24.04", OsFamily.Debian, false)]
    [InlineData("library/ubuntu", OsFamily.Debian, false)]
    [InlineData("buildpack-deps:bookworm", OsFamily.Debian, false)]
    [InlineData("alpine:3.20", OsFamily.Alpine, false)]
    [InlineData("public.ecr.aws/docker/library/alpine:3", OsFamily.Alpine, false)]
    [InlineData("python:3.12-slim-bookworm", OsFamily.Debian, true)]
    [InlineData("python:3.12-alpine", OsFamily.Alpine, true)]
    [InlineData("mcr.microsoft.com/mirror/docker/library/python:3.11", OsFamily.Debian, true)]
    [InlineData("python:3.12-windowsservercore", OsFamily.Unknown, false)]
    [InlineData("mcr.microsoft.com/azurelinux/base/core:3.0", OsFamily.AzureLinux, false)]
    [InlineData("mcr.microsoft.com/azurelinux/base/python:3.12", OsFamily.AzureLinux, true)]
    [InlineData("mcr.microsoft.com/cbl-mariner/base/core:2.0", OsFamily.AzureLinux, false)]
    [InlineData("mcr.microsoft.com/azurelinux/distroless/base:3.0", OsFamily.Distroless, false)]
    [InlineData("gcr.io/distroless/base-debian12", OsFamily.Distroless, false)]
    [InlineData("registry.example.com/team/debian:12", OsFamily.Unknown, false)]
    [InlineData("localhost:5000/alpine", OsFamily.Unknown, false)]
    [InlineData("myorg/python", OsFamily.Unknown, false)]
    [InlineData("fedora:40", OsFamily.Unknown, false)]
    public void GuessesTheFamilyFromTheReference(string reference, OsFamily family, bool hasPython)
    {
        Assert.Equal(new BaseImageTraits(family, hasPython), BaseImageFamily.Detect(reference));
    }

    [Theory]
    [InlineData(OsFamily.Debian, OsPackageManager.Apt)]
    [InlineData(OsFamily.Alpine, OsPackageManager.Apk)]
    [InlineData(OsFamily.AzureLinux, OsPackageManager.Tdnf)]
    [InlineData(OsFamily.Unknown, null)]
    [InlineData(OsFamily.Distroless, null)]
    public void FamiliesHaveTheirManager(OsFamily family, OsPackageManager? manager) => Assert.Equal(manager, OsPackageManagers.Of(family));

    [Theory]
    [InlineData("apt", OsPackageManager.Apt)]
    [InlineData(" APK ", OsPackageManager.Apk)]
    [InlineData("Tdnf", OsPackageManager.Tdnf)]
    public void ManagerNamesParse(string name, OsPackageManager expected)
    {
        Assert.True(OsPackageManagers.TryParse(name, out var manager));
        Assert.Equal(expected, manager);
        Assert.Equal(name.Trim().ToLowerInvariant(), manager.Name());
    }

    [Theory]
    [InlineData("")]
    [InlineData("yum")]
    [InlineData("dnf")]
    [InlineData("apt-get")]
    [InlineData("pip")]
    public void OtherManagerNamesDoNot(string name) => Assert.False(OsPackageManagers.TryParse(name, out _));
}
