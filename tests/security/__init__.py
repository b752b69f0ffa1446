"""Security regression suite: one test module per finding of a security
review (issue 14 onwards). Each test failed on the code before its fix."""
