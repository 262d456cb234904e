/*
 * One runner for every unit suite.  CK_RUN_SUITE / CK_RUN_CASE select a
 * part, as with any Check program.
 */
#include "config.h"

#include <stdlib.h>

#include "check_fipd.h"
#include "fipd.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	log_init("check_fipd", 1, 0, 0);
	cfg_set_default_plugin_dir(BUILD_PLUGIN_DIR);
	sr = srunner_create(suite_packet());
	srunner_add_suite(sr, suite_fsm());
	srunner_add_suite(sr, suite_config());
	srunner_add_suite(sr, suite_plugin());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
