"""Web plumbing every HTTP surface shares: the JSON error shape (`errors`), bearer-token auth
(`auth`), strict JSON input (`json_input`) and security headers with the NUL check
(`hardening`). The API and the dashboard import it from here; no service owns it."""
