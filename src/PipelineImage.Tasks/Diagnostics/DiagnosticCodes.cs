namespace PipelineImage.Diagnostics;

/// <summary>
/// The names of the coded entries in <c>Strings.resx</c>. Each value there starts with its code; the bands are
/// 0xxx targets, 1xxx engine and registry, 2xxx user properties and items, 3xxx build context, 4xxx the
/// contract between the targets and the tasks. <c>ResourceTests</c> keeps codes unique and this list complete.
/// </summary>
internal static class DiagnosticCodes
{
    public const string EngineUnavailable = nameof(EngineUnavailable);                               // PIMG1001
    public const string EngineApiTooOld = nameof(EngineApiTooOld);                                   // PIMG1002
    public const string ImageBuildFailed = nameof(ImageBuildFailed);                                 // PIMG1003
    public const string EngineRequestFailed = nameof(EngineRequestFailed);                           // PIMG1004
    public const string PlatformNotSupported = nameof(PlatformNotSupported);                         // PIMG1005
    public const string BaseImageNotLocal = nameof(BaseImageNotLocal);                               // PIMG1006
    public const string RegistryUnauthorized = nameof(RegistryUnauthorized);                         // PIMG1007
    public const string RegistryUnreachable = nameof(RegistryUnreachable);                           // PIMG1008
    public const string RegistryTlsFailed = nameof(RegistryTlsFailed);                               // PIMG1009
    public const string CredentialHelperFailed = nameof(CredentialHelperFailed);                     // PIMG1010
    public const string PushFailed = nameof(PushFailed);                                             // PIMG1011
    public const string BuilderNotSupported = nameof(BuilderNotSupported);                           // PIMG1012
    public const string SecretsNeedSession = nameof(SecretsNeedSession);                             // PIMG1013
    public const string BuildKitUnavailable = nameof(BuildKitUnavailable);                           // PIMG1014
    public const string EngineNeededForRunSteps = nameof(EngineNeededForRunSteps);                   // PIMG1015
    public const string RegistryUnreachableFromHere = nameof(RegistryUnreachableFromHere);           // PIMG1016
    public const string RegistryTlsFailedFromHere = nameof(RegistryTlsFailedFromHere);               // PIMG1017
    public const string BaseImageUnreadable = nameof(BaseImageUnreadable);                           // PIMG1018
    public const string EngineLostDuringBuild = nameof(EngineLostDuringBuild);                       // PIMG1019
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
    public const string InvalidBuildNetwork = nameof(InvalidBuildNetwork);                           // PIMG2011
    public const string InvalidWorkingDirectory = nameof(InvalidWorkingDirectory);                   // PIMG2012
    public const string InvalidUser = nameof(InvalidUser);                                           // PIMG2013
    public const string InvalidEntrypointMode = nameof(InvalidEntrypointMode);                       // PIMG2014
    public const string EntrypointMismatch = nameof(EntrypointMismatch);                             // PIMG2015
    public const string InvalidEnvironmentVariable = nameof(InvalidEnvironmentVariable);             // PIMG2016
    public const string InvalidLabel = nameof(InvalidLabel);                                         // PIMG2017
    public const string InvalidPort = nameof(InvalidPort);                                           // PIMG2018
    public const string InvalidPlatform = nameof(InvalidPlatform);                                   // PIMG2019
    public const string InvalidPullPolicy = nameof(InvalidPullPolicy);                               // PIMG2020
    public const string ParentDockerfileMissing = nameof(ParentDockerfileMissing);                   // PIMG2021
    public const string ParentDockerfileOutsideContext = nameof(ParentDockerfileOutsideContext);     // PIMG2022
    public const string InvalidBuildArg = nameof(InvalidBuildArg);                                   // PIMG2023
    public const string ParentAndBaseImage = nameof(ParentAndBaseImage);                             // PIMG2024
    public const string InvalidDockerConfig = nameof(InvalidDockerConfig);                           // PIMG2025
    public const string InvalidRegistry = nameof(InvalidRegistry);                                   // PIMG2026
    public const string DockerContextNotFound = nameof(DockerContextNotFound);                       // PIMG2027
    public const string EngineTlsFiles = nameof(EngineTlsFiles);                                     // PIMG2028
    public const string SettingWithoutEffect = nameof(SettingWithoutEffect);                         // PIMG2029 (warning)
    public const string InvalidBuilder = nameof(InvalidBuilder);                                     // PIMG2030
    public const string InvalidSecret = nameof(InvalidSecret);                                       // PIMG2031
    public const string SecretMissing = nameof(SecretMissing);                                       // PIMG2032
    public const string UnknownSecret = nameof(UnknownSecret);                                       // PIMG2033
    public const string InvalidBuildKitHost = nameof(InvalidBuildKitHost);                           // PIMG2034
    public const string StandaloneBuildKit = nameof(StandaloneBuildKit);                             // PIMG2035
    public const string InvalidSourceDateEpoch = nameof(InvalidSourceDateEpoch);                     // PIMG2039
    public const string InvalidArchiveFormat = nameof(InvalidArchiveFormat);                         // PIMG2041
    public const string LayerNotReadable = nameof(LayerNotReadable);                                 // PIMG2042
    public const string BaseImageUserUnknown = nameof(BaseImageUserUnknown);                         // PIMG2043
    public const string BaseImageWithoutShell = nameof(BaseImageWithoutShell);                       // PIMG2044
    public const string BaseImageWithoutRuntime = nameof(BaseImageWithoutRuntime);                   // PIMG2045
    public const string InvalidWritableDirectory = nameof(InvalidWritableDirectory);                 // PIMG2046
    public const string WritableDirectoryOwnerUnknown = nameof(WritableDirectoryOwnerUnknown);       // PIMG2047
    public const string AssemblerSettingRetired = nameof(AssemblerSettingRetired);                   // PIMG2048 (warning)
    public const string InvalidPlatforms = nameof(InvalidPlatforms);                                 // PIMG2049
    public const string PlatformsUnsupported = nameof(PlatformsUnsupported);                         // PIMG2050
    public const string InvalidBuilderNode = nameof(InvalidBuilderNode);                             // PIMG2051
    public const string IgnoreFileMissing = nameof(IgnoreFileMissing);                               // PIMG3002
    public const string FileOutsideContext = nameof(FileOutsideContext);                             // PIMG3003
    public const string FileExcludedByIgnoreRules = nameof(FileExcludedByIgnoreRules);               // PIMG3004 (warning)
    public const string NoSourceFilesSent = nameof(NoSourceFilesSent);                               // PIMG3005 (warning)
    public const string PublishFileMissing = nameof(PublishFileMissing);                             // PIMG4001
    public const string PublishFileOutsideOutput = nameof(PublishFileOutsideOutput);                 // PIMG4002
    public const string NoImageToPush = nameof(NoImageToPush);                                       // PIMG4003
    public const string UnexpectedFailure = nameof(UnexpectedFailure);                               // PIMG4004
    public const string PublishDirectoryEmpty = nameof(PublishDirectoryEmpty);                       // PIMG4005
    public const string InvalidPlan = nameof(InvalidPlan);                                           // PIMG4006
    public const string NoImageToSave = nameof(NoImageToSave);                                       // PIMG4007
    public const string ArchiveNotWritten = nameof(ArchiveNotWritten);                               // PIMG4008
    public const string NoImageToDescribe = nameof(NoImageToDescribe);                               // PIMG4009
    public const string AccessDenied = nameof(AccessDenied);                                         // PIMG4010
    public const string UnknownRequirementManager = nameof(UnknownRequirementManager);               // PIMG5001
    public const string InvalidOsPackageManager = nameof(InvalidOsPackageManager);                   // PIMG5002
    public const string OsPackageManagerUnknown = nameof(OsPackageManagerUnknown);                   // PIMG5003
    public const string BaseImageWithoutPackageManager = nameof(BaseImageWithoutPackageManager);     // PIMG5004
    public const string OsPackageManagerConflict = nameof(OsPackageManagerConflict);                 // PIMG5005
    public const string InvalidOsPackageName = nameof(InvalidOsPackageName);                         // PIMG5006
    public const string InvalidOsPackageVersion = nameof(InvalidOsPackageVersion);                   // PIMG5007
    public const string ConflictingOsPackageVersions = nameof(ConflictingOsPackageVersions);         // PIMG5008
    public const string InvalidPipRequirement = nameof(InvalidPipRequirement);                       // PIMG5009
    public const string ConflictingPipRequirements = nameof(ConflictingPipRequirements);             // PIMG5010
    public const string InvalidPipIndexUrl = nameof(InvalidPipIndexUrl);                             // PIMG5011
    public const string RequirementFileMissing = nameof(RequirementFileMissing);                     // PIMG5012
    public const string InvalidPackageListLine = nameof(InvalidPackageListLine);                     // PIMG5013
    public const string VersionOnRequirementFile = nameof(VersionOnRequirementFile);                 // PIMG5014
    public const string NestedRequirementFile = nameof(NestedRequirementFile);                       // PIMG5015
    public const string IntegrationWithoutPackageManager = nameof(IntegrationWithoutPackageManager); // PIMG5016
    public const string InvalidIntegrationVersions = nameof(InvalidIntegrationVersions);             // PIMG5017
}
