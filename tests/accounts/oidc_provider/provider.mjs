// A real OpenID Connect provider (panva/oidc-provider) for the account tests, on loopback only.
// Configured by the environment the pytest fixture sets:
//   OIDC_PORT, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI,
//   OIDC_JWKS (a JSON private key set the test made, so it can also sign tokens of its own),
// The login name says who the person is: "uscc:<code>" signs in an enterprise (claim uscc),
// "rid:<number>" a citizen (claim resident_id), anything else a person without either claim.
// Sign-in uses the provider's own development login form (any password); consent is given
// for the test client at once, so the flow is: authorize -> login form -> back to the client.
import Provider from 'oidc-provider';

const env = process.env;

function claimsOf(id) {
  if (id.startsWith('uscc:')) return { uscc: id.slice(5), name: 'test enterprise' };
  if (id.startsWith('rid:')) return { resident_id: id.slice(4), name: 'test citizen' };
  return { name: id };
}

const configuration = {
  clients: [{
    client_id: env.OIDC_CLIENT_ID,
    client_secret: env.OIDC_CLIENT_SECRET,
    redirect_uris: [env.OIDC_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: JSON.parse(env.OIDC_JWKS),
  claims: { openid: ['sub'], identity: ['name', 'uscc', 'resident_id'] },
  scopes: ['openid', 'identity'],
  conformIdTokenClaims: false, // the identity claims go into the ID token itself
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, ...claimsOf(id) }; } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid identity');
    grant.addOIDCClaims(['name', 'uscc', 'resident_id']);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(env.OIDC_ISSUER, configuration);
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(Number(env.OIDC_PORT), '127.0.0.1', () => console.log(`oidc-provider listening on ${env.OIDC_ISSUER}`));
