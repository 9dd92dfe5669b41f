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
// "..."`, `externalId eq "..."`, `displayName eq "..."`, `id eq "..."`, Entra ID's
// `emails[type eq "work"].value eq "..."` and `members eq "..."`, joined with `and`), so
// every other filter answers 400 invalidFilter instead of a partial evaluation. PATCH accepts add/replace/remove with the op in any case, with or without
// a path, `active` as a boolean or the strings "True"/"False" (Entra ID), e-mail values
// by `emails[type eq "work"].value`, the enterprise extension's department by its full
// path or as a nested object, and Group members added, removed and replaced. Core
// attributes that kipass does not keep (title, phoneNumbers, addresses, ...) are
// accepted and dropped, so a provider's default attribute mapping works; an attribute
// that is not in the schemas at all answers 400 invalidPath.
//
// Mounting it in fiber takes one route (Path and RawQuery as the client sent them,
// still escaped; the SCIM root stripped):
//
//	app.All("/scim/v2/*", func(c *fiber.Ctx) error {
//		uri := c.Request().URI()
//		resp := h.Serve(c.UserContext(), scim.Request{
//			Method:        c.Method(),
//			Path:          strings.TrimPrefix(string(uri.PathOriginal()), "/scim/v2"),
//			RawQuery:      string(uri.QueryString()),
//			Authorization: c.Get(fiber.HeaderAuthorization),
//			Body:          c.Body(),
//		})
//		for k, v := range resp.Header {
//			c.Set(k, v)
//		}
//		return c.Status(resp.Status).Send(resp.Body)
//	})
//
// A body over fiber's own BodyLimit never reaches Serve, so the web layer's error
// handler answers 413 for /scim/v2 paths with a SCIM error body as well.
package scim
