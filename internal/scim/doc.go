// Package scim is kipass's SCIM 2.0 server (RFC 7643 and RFC 7644) for identity
// providers such as Microsoft Entra ID and Okta: the resource types and their JSON,
// the filter and PATCH subset those providers send, paging, and a dispatcher that
// turns a plain Request into a plain Response.
//
// The package holds no rules about accounts. It parses and validates the protocol,
// then calls a Service (implemented by the use-case layer) with typed values: a User
// or Group, a Filter, a Page, or a UserChanges/GroupChanges change set. It imports
// neither fiber nor database/sql, so the web layer adapts it in a few lines and the
// store never sees SCIM JSON.
//
// The subset, and why: providers only look resources up by equality (`userName eq
// "..."`, `externalId eq "..."`, `displayName eq "..."`, `id eq "..."`, joined with
// `and`), so every other filter answers 400 invalidFilter instead of a partial
// evaluation. PATCH accepts add/replace/remove with the op in any case, with or without
// a path, `active` as a boolean or the strings "True"/"False" (Entra ID), e-mail values
// by `emails[type eq "work"].value`, the enterprise extension's department by its full
// path or as a nested object, and Group members added, removed and replaced. Core
// attributes that kipass does not keep (title, phoneNumbers, addresses, ...) are
// accepted and dropped, so a provider's default attribute mapping works; an attribute
// that is not in the schemas at all answers 400 invalidPath.
package scim
