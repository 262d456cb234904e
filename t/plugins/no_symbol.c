/* Test plugin: a shared object without the fipd_plugin_info symbol. */
int not_a_fipd_plugin(void);

int
not_a_fipd_plugin(void)
{
	return 42;
}
