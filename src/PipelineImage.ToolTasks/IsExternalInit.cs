namespace System.Runtime.CompilerServices;

/// <summary>What records (ToolProtocol's) need from the compiler on .NET Framework, which does not declare it.</summary>
internal static class IsExternalInit
{
}
