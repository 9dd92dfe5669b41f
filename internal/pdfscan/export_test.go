package pdfscan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CanonObjects parses pdf and returns every object in use and the newest
// trailer written canonically (see canon), for comparison with another
// reader in pin_test.go.
func CanonObjects(pdf []byte) (map[uint32]string, string, error) {
	f, err := parsePDF(pdf, DefaultLimits())
	if err != nil {
		return nil, "", err
	}
	objs := map[uint32]string{}
	for id, def := range f.objects {
		objs[id] = canon(def.obj)
	}
	return objs, canon(f.trailer), nil
}

// canon writes an object as text: null, true, i12, f1.5, s"...", /Name,
// R(1,0), [a b], <<k v>> with sorted keys, stream<<...>>@offset.
func canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return "i" + strconv.FormatInt(x, 10)
	case float64:
		return "f" + strconv.FormatFloat(x, 'g', -1, 64)
	case pdfString:
		return "s" + strconv.Quote(x.s)
	case pdfName:
		return "/" + string(x)
	case pdfRef:
		return fmt.Sprintf("R(%d,%d)", x.id, x.gen)
	case pdfArray:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = canon(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case pdfDict:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("<<")
		for _, k := range keys {
			fmt.Fprintf(&b, "/%s %s ", k, canon(x[pdfName(k)]))
		}
		b.WriteString(">>")
		return b.String()
	case pdfStream:
		return "stream" + canon(x.dict) + "@" + strconv.Itoa(x.off)
	}
	return fmt.Sprintf("?%T", v)
}
