/*
 * The Personalize guide's "Setting up permissions" in one call: role, trust, managed and S3
 * policies, bucket policy; prints the role ARN for import jobs.
 *   setup_personalize BUCKET [ROLE]
 * Credentials, region and endpoints come from the environment and ~/.aws, as for the AWS CLI.
 */
#include <piam/piam.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	piam_client *client = NULL;
	piam_options *options = NULL;
	piam_plan *plan = NULL;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s BUCKET [ROLE]\n", argv[0]);
		return 2;
	}
	if ((rc = piam_client_new(&client, NULL)) || (rc = piam_client_use_environment(client, 1)) ||
	    (rc = piam_options_new(&options, client)) || (rc = piam_options_add_input_bucket(options, argv[1])) ||
	    (argc > 2 && (rc = piam_options_set_role_name(options, argv[2]))))
		goto out;
	rc = piam_setup_apply(&plan, client, options);
	for (size_t i = 0; i < piam_plan_count(plan); i++)
		printf("%-26s %-10s %s\n", piam_plan_step_name(plan, i), piam_plan_step_status(plan, i),
		       piam_plan_step_resource(plan, i));
	if (rc == PIAM_OK)
		printf("%s\n", piam_plan_role_arn(plan));
out:
	if (rc)
		fprintf(stderr, "%s: %s\n", piam_status_name(rc),
			client ? piam_client_error_message(client) : piam_strerror(rc));
	piam_plan_free(plan);
	piam_options_free(options);
	piam_client_free(client);
	return rc ? 1 : 0;
}
