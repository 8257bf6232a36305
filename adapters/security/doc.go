// Package security implements the application's cryptographic ports:
// password hashing (bcrypt on a bounded pool), access tokens (HMAC-signed
// JWTs in the RFC 9068 "at+jwt" profile) and opaque refresh tokens with
// keyed, deterministic successors. Nothing here touches the database or
// HTTP; the use cases in application/auth decide what the results mean.
package security
