namespace PipelineImage.Registry;

/// <summary>Credentials for a registry. <see cref="ToString"/> never shows the secret parts.</summary>
/// <param name="Username">The user name; empty with an identity token alone.</param>
/// <param name="Password">The password or access token.</param>
/// <param name="IdentityToken">An OAuth identity (refresh) token, as <c>docker login</c> stores for some registries.</param>
internal sealed record RegistryCredential(string Username, string Password, string IdentityToken = "")
{
    public override string ToString() => $"RegistryCredential {{ Username = {Username}, Password = ***, IdentityToken = *** }}";
}

/// <summary>What <see cref="CredentialResolver"/> found, and where it looked: the error for a refused push names it.</summary>
/// <param name="Credential">Null: push without credentials.</param>
/// <param name="Source">Where the credential came from, or where the resolver looked.</param>
internal sealed record ResolvedCredential(RegistryCredential? Credential, string Source);
