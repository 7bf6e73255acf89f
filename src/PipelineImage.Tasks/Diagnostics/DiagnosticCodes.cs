namespace PipelineImage.Diagnostics;

/// <summary>
/// The names of the coded entries in <c>Strings.resx</c>. Each value there starts with its code; the bands are
/// 0xxx targets, 1xxx engine and registry, 2xxx user properties and items, 3xxx build context, 4xxx the
/// contract between the targets and the tasks. <c>ResourceTests</c> keeps codes unique and this list complete.
/// </summary>
public static class DiagnosticCodes
{
    public const string EngineUnavailable = nameof(EngineUnavailable);                               // PIMG1001
    public const string EngineApiTooOld = nameof(EngineApiTooOld);                                   // PIMG1002
    public const string ImageBuildFailed = nameof(ImageBuildFailed);                                 // PIMG1003
    public const string EngineRequestFailed = nameof(EngineRequestFailed);                           // PIMG1004
    public const string AssemblyNameNotUsableAsImageName = nameof(AssemblyNameNotUsableAsImageName); // PIMG2001
    public const string InvalidImageName = nameof(InvalidImageName);                                 // PIMG2002
    public const string InvalidTag = nameof(InvalidTag);                                             // PIMG2003
    public const string NoDefaultBaseImage = nameof(NoDefaultBaseImage);                             // PIMG2004
    public const string InvalidBaseImage = nameof(InvalidBaseImage);                                 // PIMG2005
    public const string InvalidDockerHost = nameof(InvalidDockerHost);                               // PIMG2006
    public const string RuntimeIdentifierNotLinux = nameof(RuntimeIdentifierNotLinux);               // PIMG2007
    public const string NoApphost = nameof(NoApphost);                                               // PIMG2008
    public const string InvalidDockerIgnorePattern = nameof(InvalidDockerIgnorePattern);             // PIMG3001
    public const string InvalidFileDestination = nameof(InvalidFileDestination);                     // PIMG2009
    public const string DuplicateFileDestination = nameof(DuplicateFileDestination);                 // PIMG2010
    public const string IgnoreFileMissing = nameof(IgnoreFileMissing);                               // PIMG3002
    public const string FileOutsideContext = nameof(FileOutsideContext);                             // PIMG3003
    public const string PublishFileMissing = nameof(PublishFileMissing);                             // PIMG4001
    public const string PublishFileOutsideOutput = nameof(PublishFileOutsideOutput);                 // PIMG4002
}
