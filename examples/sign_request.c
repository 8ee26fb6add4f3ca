/*
 * SigV4-sign a request that the caller sends itself, and print the headers to add:
 *   sign_request SERVICE REGION EPOCH METHOD HOST PATH [QUERY]
 * with the credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).
 * Prints "Name:value" lines: [X-Amz-Security-Token], X-Amz-Date, Authorization.
 * Nothing is sent and no clock is read: EPOCH (seconds, UTC) is the signing time.
 */
#include <piam/piam.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	piam_client *client = NULL;
	const char *const names[] = {"Host"};
	const char *values[1];
	size_t count = 0;
	int rc;

	if (argc < 7) {
		fprintf(stderr, "usage: %s SERVICE REGION EPOCH METHOD HOST PATH [QUERY]\n", argv[0]);
		return 2;
	}
	values[0] = argv[5];
	if ((rc = piam_client_new(&client, NULL)) ||
	    (rc = piam_client_set_credentials(client, getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
					      getenv("AWS_SESSION_TOKEN"))) ||
	    (rc = piam_sign_request(&count, client, argv[1], argv[2], strtoll(argv[3], NULL, 10), 0, 0, argv[4],
				    argv[6], argc > 7 ? argv[7] : NULL, names, values, 1, NULL, 0, NULL)))
		goto out;
	for (size_t i = 0; i < count; i++) {
		const char *name, *value;

		if ((rc = piam_sign_result(&name, &value, client, i)))
			goto out;
		printf("%s:%s\n", name, value);
	}
out:
	if (rc)
		fprintf(stderr, "%s: %s\n", piam_status_name(rc),
			client ? piam_client_error_message(client) : piam_strerror(rc));
	piam_client_free(client);
	return rc == PIAM_EINVAL ? 2 : rc ? 1 : 0;
}
