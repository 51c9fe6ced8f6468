"""HTTP access to the Procountor API: sign-in, retries, rate limiting and paging."""
