/* Credentials: explicit ones on the client, then (when asked) the environment. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void piam__creds_free(piam_client *c)
{
	piam__free(c, c->creds.access_key_id);
	piam__free_secret(c, c->creds.secret_access_key);
	piam__free_secret(c, c->creds.session_token);
	memset(&c->creds, 0, sizeof(c->creds));
}

int piam__credentials_get(piam_client *c, const struct piam__credentials **out)
{
	const char *id, *secret, *token;
	int rc;

	*out = NULL;
	if (!c->creds.access_key_id && c->use_environment) {
		id = getenv("AWS_ACCESS_KEY_ID");
		secret = getenv("AWS_SECRET_ACCESS_KEY");
		token = getenv("AWS_SESSION_TOKEN");
		if (id && *id && secret && *secret) {
			rc = piam_client_set_credentials(c, id, secret, token && *token ? token : NULL);
			if (rc)
				return piam__error(c, PIAM_ECREDENTIALS,
						   "the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are malformed");
		}
	}
	if (!c->creds.access_key_id)
		return piam__error(c, PIAM_ECREDENTIALS,
				   c->use_environment
					   ? "no credentials: none set on the client, none in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
					   : "no credentials: none set on the client (and the environment is not used)");
	*out = &c->creds;
	return PIAM_OK;
}
