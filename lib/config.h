/* Private to lib/config.c and lib/creds.c (and their tests): the configuration state on a client. */
#ifndef PIAM_CONFIG_H
#define PIAM_CONFIG_H

#include "internal.h"
#include "profile.h"

enum { PIAM__FILE_CREDENTIALS, PIAM__FILE_CONFIG, PIAM__FILE_COUNT };

/* What became of a shared file when it was looked for. */
enum piam__file_state { PIAM__FILE_NO_PATH, PIAM__FILE_MISSING, PIAM__FILE_UNREADABLE, PIAM__FILE_READ };

typedef long long (*piam__clock_fn)(void *userdata);

struct piam__config {
	/* Settings: kept until changed. */
	char *profile;                 /* piam_client_set_profile(); NULL: AWS_PROFILE or "default" */
	piam_credentials_fn provider;  /* piam_client_set_credentials_provider() */
	void *provider_userdata;
	piam__clock_fn clock;          /* NULL: time(); tests set their own */
	void *clock_userdata;
	long process_timeout_ms;       /* credential_process: the most it may take */

	/* The shared files, read once on first need (and again after the profile changes). */
	int loaded;
	enum piam__file_state state[PIAM__FILE_COUNT];
	char *path[PIAM__FILE_COUNT];
	struct piam__profile_file file[PIAM__FILE_COUNT];

	/* Credentials found by the chain; refreshed shortly before `expiration`. */
	struct piam__credentials resolved;
	long long expiration;          /* seconds since the epoch; 0: does not expire */
	int resolved_uses_environment; /* forgotten once the environment is turned off */
	char source[160];              /* where they came from, for messages; never a secret */
};

/* The state, created on first use; NULL (PIAM_ENOMEM recorded) when that fails. */
struct piam__config *piam__config_state(piam_client *c);
/* Forget the shared files and the credentials resolved from them (settings stay). */
void piam__config_forget(piam_client *c);
/* Forget only the resolved credentials. */
void piam__config_forget_credentials(piam_client *c);

/* A variable from the environment when the client may use it and it is not empty; else NULL. */
const char *piam__config_env(piam_client *c, const char *name);
/* The selected profile: the setter, AWS_PROFILE, "default". `explicit` says whether it was chosen. */
const char *piam__config_profile_name(piam_client *c, int *explicit_choice);
/* Read and parse the shared files once. PIAM_ECONFIG when one is malformed or too large. */
int piam__config_load(piam_client *c);
/* A key of profile `profile` in one file, or (which = -1) the credentials file first, then config. */
const char *piam__config_lookup(piam_client *c, int which, const char *profile, const char *key);
/* Whether a profile exists in either file. */
int piam__config_profile_exists(piam_client *c, const char *profile);
/* The current time, from the client's clock. */
long long piam__config_now(piam_client *c);

/* An RFC 3339 / ISO 8601 UTC time ("2026-11-29T18:00:00Z", fractions and offsets allowed) as
 * seconds since the epoch. Pure. Returns 0 on success, -1 when malformed. */
int piam__parse_time(const char *s, long long *out);

/* Tests: substitute the clock. */
void piam__config_set_clock(piam_client *c, piam__clock_fn fn, void *userdata);

#endif
