/*
 * Render the documents the Personalize guide asks for, without touching AWS, as one JSON object:
 *   render_policies ACCOUNT REGION BUCKET [ROLE]
 * prints {"trust": ..., "s3-access": ..., "bucket-policy": ..., "caller-policy": ...}.
 * Every document is released with piam_free(); a bad argument exits 2 with the reason.
 */
#include <piam/piam.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	static const char *const names[] = {"trust", "s3-access", "bucket-policy", "caller-policy"};
	char *docs[4] = {NULL, NULL, NULL, NULL};
	piam_client *client = NULL;
	piam_options *options = NULL;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: %s ACCOUNT REGION BUCKET [ROLE]\n", argv[0]);
		return 2;
	}
	if ((rc = piam_client_new(&client, NULL)) || (rc = piam_options_new(&options, client)) ||
	    (rc = piam_options_set_account(options, argv[1])) || (rc = piam_options_set_region(options, argv[2])) ||
	    (rc = piam_options_add_input_bucket(options, argv[3])) ||
	    (argc > 4 && (rc = piam_options_set_role_name(options, argv[4]))) ||
	    (rc = piam_policy_trust(&docs[0], options)) || (rc = piam_policy_s3_access(&docs[1], options)) ||
	    (rc = piam_policy_bucket(&docs[2], options, argv[3])) || (rc = piam_policy_caller(&docs[3], options)))
		goto out;
	for (int i = 0; i < 4; i++)
		printf("%s\"%s\": %s", i ? ",\n" : "{", names[i], docs[i]);
	printf("}\n");
out:
	if (rc)
		fprintf(stderr, "%s: %s\n", piam_status_name(rc),
			client ? piam_client_error_message(client) : piam_strerror(rc));
	for (int i = 0; i < 4; i++)
		piam_free(docs[i]);
	piam_options_free(options);
	piam_client_free(client);
	return rc == PIAM_EINVAL ? 2 : rc ? 1 : 0;
}
