package web

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The audit log's details are written once, in a stable technical form
// (key=value pairs, a few fixed phrases); auditDetail says them in the
// page's language. A part it does not know is shown as it was stored.

// auditPhrase is one fixed phrase of a detail and its message; the
// submatches are its arguments (quoted strings are unquoted, role names
// and numbers translated as the message needs).
type auditPhrase struct {
	re  *regexp.Regexp
	key string
}

// auditPhrases are the phrases the store and the use cases write.
func auditPhrases() []auditPhrase {
	p := func(re, key string) auditPhrase { return auditPhrase{regexp.MustCompile(`^` + re + `$`), key} }
	return []auditPhrase{
		p(`email changed`, "auditd.email_changed"),
		p(`name changed`, "auditd.name_changed"),
		p(`externalId changed`, "auditd.external_id_changed"),
		p(`provider identity linked`, "auditd.identity_linked"),
		p(`reactivated`, "auditd.reactivated"),
		p(`deactivated`, "auditd.deactivated"),
		p(`no change`, "auditd.no_change"),
		p(`certificates revoked`, "auditd.certificates_revoked"),
		p(`certificates kept verifiable`, "auditd.certificates_kept"),
		p(`by the holder`, "auditd.by_holder"),
		p(`department (".*") -> (".*")`, "auditd.department_moved"),
		p(`role (\w+) -> (\w+)`, "auditd.role_changed"),
		p(`role (\w+)`, "auditd.role"),
		p(`hr limited to (\[.*\])`, "auditd.hr_limited"),
		p(`(\d+) members`, "auditd.members"),
		p(`(\d+) members before, (\d+) after`, "auditd.members_changed"),
		p(`token (\d+)`, "auditd.token"),
		p(`deactivated for more than (\d+) months`, "auditd.deactivated_months"),
	}
}

// auditPrefix is who acted for a detail that starts with it: single
// sign-on or a SCIM token (with "groups" when a group change caused it).
var auditPrefix = regexp.MustCompile(`^(single sign-on|scim token (\d+)( groups)?)(: |; |$)`)

// auditPair is one key=value of a detail: the value bare or Go-quoted.
var auditPair = regexp.MustCompile(`^(\w+)=("(?:[^"\\]|\\.)*"|\S*)(?: |$)`)

// auditDetail says a stored detail in lang.
func (v *views) auditDetail(lang, detail string) string {
	if detail == "" {
		return ""
	}
	var out []string
	rest := detail
	if m := auditPrefix.FindStringSubmatch(rest); m != nil {
		switch {
		case m[2] == "":
			out = append(out, v.t(lang, "auditd.via_sso"))
		case m[3] != "":
			out = append(out, fmt.Sprintf(v.t(lang, "auditd.via_scim_groups"), m[2]))
		default:
			out = append(out, fmt.Sprintf(v.t(lang, "auditd.via_scim"), m[2]))
		}
		rest = rest[len(m[0]):]
	}
	if pairs, ok := v.auditPairs(lang, rest); ok {
		return strings.Join(append(out, pairs...), " · ")
	}
	for part := range strings.SplitSeq(rest, "; ") {
		if part != "" {
			out = append(out, v.auditPart(lang, part))
		}
	}
	return strings.Join(out, " · ")
}

// auditPart says one phrase; an unknown one stays as it is.
func (v *views) auditPart(lang, part string) string {
	for _, p := range v.phrases {
		m := p.re.FindStringSubmatch(part)
		if m == nil {
			continue
		}
		args := make([]any, 0, len(m)-1)
		for _, s := range m[1:] {
			switch {
			case strings.HasPrefix(s, `"`):
				var u string
				if json.Unmarshal([]byte(s), &u) != nil {
					return part
				}
				args = append(args, cmp.Or(u, "—")) // no department
			case strings.HasPrefix(s, "["):
				var list []string
				if json.Unmarshal([]byte(s), &list) != nil {
					return part
				}
				args = append(args, strings.Join(list, ", "))
			default:
				if n, err := strconv.Atoi(s); err == nil {
					args = append(args, n)
				} else {
					args = append(args, v.roleName(lang, s))
				}
			}
		}
		f, ok := v.messages.Lookup(lang, p.key, args...)
		if !ok {
			return part
		}
		return fmt.Sprintf(f, args...)
	}
	return part
}

// auditPairs says a detail made of key=value pairs as "label: value";
// ok is false when s is not such a list.
func (v *views) auditPairs(lang, s string) ([]string, bool) {
	if s == "" || !auditPair.MatchString(s) {
		return nil, false
	}
	var out []string
	for s != "" {
		m := auditPair.FindStringSubmatch(s)
		if m == nil {
			return nil, false
		}
		s = s[len(m[0]):]
		key, val := m[1], m[2]
		if strings.HasPrefix(val, `"`) {
			u, err := strconv.Unquote(val)
			if err != nil {
				return nil, false
			}
			val = u
			if key == "course" && v.courseTitle != nil {
				val = cmp.Or(v.courseTitle(u, lang), u)
			}
			if key == "status" {
				val = cmp.Or(v.lookup(lang, "hrstatus."+u), u)
			}
		} else {
			val = v.auditValue(lang, key, val)
		}
		label, ok := v.messages.Lookup(lang, "auditd.key."+key)
		if !ok {
			label = key
		}
		out = append(out, label+": "+val)
	}
	return out, true
}

// auditValue translates a bare value where it is a code or a date.
func (v *views) auditValue(lang, key, val string) string {
	switch key {
	case "due":
		if t, err := time.Parse("2006-01-02", val); err == nil {
			return v.printer(lang).Date(t)
		}
	case "aggregate_only":
		return v.t(lang, "auditd.bool."+val)
	case "role":
		return v.roleName(lang, val)
	case "fields":
		var names []string
		for f := range strings.SplitSeq(val, ",") {
			names = append(names, cmp.Or(v.lookup(lang, "auditd.field."+f), f))
		}
		return strings.Join(names, ", ")
	}
	if val == "all" {
		return v.t(lang, "auditd.all")
	}
	if s, ok := v.messages.Lookup(lang, "auditd.value."+key+"."+val); ok {
		return s
	}
	return val
}

// lookup is a message, "" when there is none.
func (v *views) lookup(lang, key string) string {
	s, _ := v.messages.Lookup(lang, key)
	return s
}

// roleName is a role's name in lang; other words stay as they are.
func (v *views) roleName(lang, role string) string {
	if s, ok := v.messages.Lookup(lang, "role."+role); ok {
		return s
	}
	return role
}
