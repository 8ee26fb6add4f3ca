/*
 * Outside input of the credential providers: the JSON of credential_process and the container
 * endpoint, and the command line of credential_process split into words. Credentials accepted
 * are always complete (an access key and a secret), and a rejection always has a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void from_json(piam_client *c, const uint8_t *data, size_t size, const char *token_key, int version)
{
	struct piam__found f;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = piam__found_from_json(c, &f, (const char *)data, size, token_key, version, "fuzz");
	if (rc == PIAM_OK && (!f.creds.access_key_id || !f.creds.secret_access_key || !*f.creds.access_key_id))
		__builtin_trap();
	if (rc != PIAM_OK && (rc != piam_client_error(c) || !piam_client_error_message(c)[0]))
		__builtin_trap();
	piam__found_free(c, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	piam_client *c;
	char **words = NULL;
	char *s;
	size_t i;

	if (piam_client_new(&c, NULL) != PIAM_OK)
		return 0;
	from_json(c, data, size, "SessionToken", 1);
	from_json(c, data, size, "Token", 0);

	if ((s = malloc(size + 1))) {
		memcpy(s, data, size);
		s[size] = '\0';
		if (piam__split_words(c, s, &words) == PIAM_OK) {
			if (!words || !words[0])
				__builtin_trap(); /* success means at least one word */
			for (i = 0; words[i]; i++)
				if (strlen(words[i]) > size)
					__builtin_trap();
			piam__free(c, words);
		}
		free(s);
	}
	piam_client_free(c);
	return 0;
}
