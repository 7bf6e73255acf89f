# Sourced by build/base-images.sh and build/arm64-stand-ins.sh: the .NET versions the stand-ins of Microsoft's .NET
# images carry (this machine's SDK's runtime and ASP.NET Core), the channel their tags name, and the repository they
# stand in for.
dotnet_root=${DOTNET_ROOT:-/usr/share/dotnet}
runtime_version=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | sort -V | tail -n 1)
channel=${runtime_version%.*}   # 10.0.12 -> 10.0
aspnet_version=$(ls "$dotnet_root/shared/Microsoft.AspNetCore.App" | sort -V | tail -n 1)
repo=mcr.microsoft.com/dotnet
