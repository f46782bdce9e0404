package tlacheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The WebAssembly checker (npm tla-checker) takes one module's source and
// a cfg, and its cfg parser knows no `X <- Def` substitution. Assemble
// turns a TLC model (MC_X.tla, which EXTENDS local modules, and MC_X.cfg,
// which may substitute definitions for constants) into one self-contained
// module and a substitution-free cfg with the same meaning:
//
//   - every EXTENDed module found next to the model is inlined, in
//     dependency order; standard modules stay in EXTENDS;
//   - each `X <- Def` leaves the cfg, X leaves the CONSTANT declarations,
//     and the module gains the definition `X == Def`;
//   - a VIEW (TLC only) is dropped, and a cfg comment line
//     `\* tla-checker: DIRECTIVE` becomes DIRECTIVE (what tla-checker
//     takes instead, e.g. the SYMMETRY that the VIEW computes);
//   - a SYMMETRY definition that is a union of several Permutations sets
//     is narrowed to its first set, the only form tla-checker reduces by;
//   - definitions with fairness (WF_, SF_) that the SPECIFICATION does
//     not use are dropped (see pruneFairness).
//
// The TLC files stay as they are; only the checker's input is rewritten.

// Assembly is the single-module form of a model.
type Assembly struct {
	Module string   // the source of the assembled module
	Cfg    string   // the substitution-free cfg
	Notes  []string // what was rewritten, for the record
}

var (
	moduleHeaderRE = regexp.MustCompile(`(?m)^-{4,}\s*MODULE\s+(\w+)\s*-{4,}\s*$`)
	moduleEndRE    = regexp.MustCompile(`(?m)^={4,}\s*$`)
	substRE        = regexp.MustCompile(`^\s*(?:CONSTANTS?\s+)?(\w+)\s*<-\s*(\w+)\s*$`)
	symmetryCfgRE  = regexp.MustCompile(`(?m)^\s*SYMMETRY\s+(\w+)\s*$`)
	permutationsRE = regexp.MustCompile(`Permutations\(\s*(\w+)\s*\)`)
	viewCfgRE      = regexp.MustCompile(`^\s*VIEW\s+(\w+)\s*$`)
	wasmOnlyCfgRE  = regexp.MustCompile(`^\s*\\\*\s*tla-checker:\s*(.*?)\s*$`)
)

// standardModules are the modules that every checker provides.
var standardModules = map[string]bool{
	"Naturals": true, "Integers": true, "Reals": true, "Sequences": true,
	"FiniteSets": true, "Bags": true, "TLC": true, "TLCExt": true, "Bits": true,
}

// parsedModule is a module split into its parts.
type parsedModule struct {
	name    string
	extends []string
	body    string // between the EXTENDS line(s) and the closing ====
}

func parseModule(src string) (parsedModule, error) {
	var m parsedModule
	h := moduleHeaderRE.FindStringSubmatchIndex(src)
	if h == nil {
		return m, fmt.Errorf("no ---- MODULE Name ---- header")
	}
	m.name = src[h[2]:h[3]]
	rest := src[h[1]:]
	e := moduleEndRE.FindStringIndex(rest)
	if e == nil {
		return m, fmt.Errorf("module %s: no closing ==== line", m.name)
	}
	rest = rest[:e[0]]
	// EXTENDS, possibly over several lines (each but the last ends in a comma).
	lines := strings.Split(rest, "\n")
	var body []string
	for i := 0; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, "EXTENDS") && len(m.extends) == 0 {
			list := strings.TrimSpace(strings.TrimPrefix(t, "EXTENDS"))
			for strings.HasSuffix(list, ",") && i+1 < len(lines) {
				i++
				list += " " + strings.TrimSpace(lines[i])
			}
			for _, n := range strings.Split(list, ",") {
				if n = strings.TrimSpace(n); n != "" {
					m.extends = append(m.extends, n)
				}
			}
			body = append(body, "") // keep the line count close to the original
			continue
		}
		body = append(body, lines[i])
	}
	m.body = strings.Join(body, "\n")
	return m, nil
}

// Assemble builds the single-module form of the model `name` in dir
// (name.tla and name.cfg).
func Assemble(dir, name string) (*Assembly, error) {
	cfgBytes, err := os.ReadFile(filepath.Join(dir, name+".cfg"))
	if err != nil {
		return nil, err
	}
	return AssembleWithCfg(dir, name, string(cfgBytes))
}

// AssembleWithCfg is Assemble with the cfg given as text.
func AssembleWithCfg(dir, name, cfg string) (*Assembly, error) {
	a := &Assembly{}
	var order []parsedModule
	std := []string{}
	seenStd := map[string]bool{}
	visited := map[string]bool{}
	var visit func(mod string) error
	visit = func(mod string) error {
		if visited[mod] {
			return nil
		}
		visited[mod] = true
		src, err := os.ReadFile(filepath.Join(dir, mod+".tla"))
		if err != nil {
			return err
		}
		pm, err := parseModule(string(src))
		if err != nil {
			return fmt.Errorf("%s.tla: %w", mod, err)
		}
		if pm.name != mod {
			return fmt.Errorf("%s.tla declares module %s", mod, pm.name)
		}
		for _, e := range pm.extends {
			if _, err := os.Stat(filepath.Join(dir, e+".tla")); err == nil && !standardModules[e] {
				if err := visit(e); err != nil {
					return err
				}
				continue
			}
			if !seenStd[e] {
				seenStd[e] = true
				std = append(std, e)
			}
		}
		order = append(order, pm)
		return nil
	}
	if err := visit(name); err != nil {
		return nil, err
	}
	if len(order) > 1 {
		var names []string
		for _, pm := range order[:len(order)-1] {
			names = append(names, pm.name)
		}
		a.Notes = append(a.Notes, "inlined EXTENDS "+strings.Join(names, ", "))
	}

	// The cfg: take the substitutions out.
	var cfgLines []string
	subst := map[string]string{}
	var substOrder []string
	for _, line := range strings.Split(cfg, "\n") {
		// TLC-only VIEW, and what tla-checker takes instead.
		if m := viewCfgRE.FindStringSubmatch(line); m != nil {
			a.Notes = append(a.Notes, "dropped VIEW "+m[1]+" (tla-checker has no VIEW)")
			continue
		}
		if m := wasmOnlyCfgRE.FindStringSubmatch(line); m != nil {
			a.Notes = append(a.Notes, "took the tla-checker line: "+m[1])
			line = m[1]
		}
		if m := substRE.FindStringSubmatch(stripCfgComment(line)); m != nil {
			subst[m[1]] = m[2]
			substOrder = append(substOrder, m[1])
			a.Notes = append(a.Notes, fmt.Sprintf("%s <- %s became %s == %s", m[1], m[2], m[1], m[2]))
			continue
		}
		cfgLines = append(cfgLines, line)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "---- MODULE %s ----\n", name)
	if len(std) > 0 {
		fmt.Fprintf(&b, "EXTENDS %s\n", strings.Join(std, ", "))
	}
	for _, pm := range order {
		fmt.Fprintf(&b, "\\* ---- from %s.tla ----\n", pm.name)
		b.WriteString(pm.body)
		b.WriteString("\n")
	}
	if len(substOrder) > 0 {
		b.WriteString("\\* ---- cfg substitutions ----\n")
		for _, x := range substOrder {
			fmt.Fprintf(&b, "%s == %s\n", x, subst[x])
		}
	}
	module := b.String()
	// One CONSTANTS and one VARIABLES declaration, less the substituted
	// constants.
	module = dropConstants(module, subst)
	module = mergeDecls(module, variableDeclRE, "VARIABLES", nil)

	// Symmetry: narrow a union of Permutations sets to its first set.
	cfgOut := strings.Join(cfgLines, "\n")
	if m := symmetryCfgRE.FindStringSubmatch(cfgOut); m != nil {
		defRE := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(m[1]) + `\s*==\s*(.*)$`)
		if d := defRE.FindStringSubmatch(module); d != nil {
			perms := permutationsRE.FindAllStringSubmatch(d[1], -1)
			if len(perms) > 1 {
				module += fmt.Sprintf("WasmSymmetry == Permutations(%s)\n", perms[0][1])
				cfgOut = symmetryCfgRE.ReplaceAllString(cfgOut, "SYMMETRY WasmSymmetry")
				a.Notes = append(a.Notes, fmt.Sprintf("SYMMETRY %s narrowed to Permutations(%s)", m[1], perms[0][1]))
			}
		}
	}
	if m := regexp.MustCompile(`(?m)^\s*SPECIFICATION\s+(\w+)`).FindStringSubmatch(cfgOut); m != nil {
		var dropped []string
		module, dropped = pruneFairness(module, m[1])
		if len(dropped) > 0 {
			a.Notes = append(a.Notes, "dropped definitions with fairness that "+m[1]+" does not use: "+strings.Join(dropped, ", "))
		}
	}
	a.Module = module + "====\n"
	a.Cfg = cfgOut
	return a, nil
}

func stripCfgComment(line string) string {
	if i := strings.Index(line, `\*`); i >= 0 {
		return line[:i]
	}
	return line
}

var (
	constantDeclRE = regexp.MustCompile(`(?m)^CONSTANTS?\b`)
	variableDeclRE = regexp.MustCompile(`(?m)^VARIABLES?\b`)
)

// dropConstants removes the names in drop from every CONSTANT(S)
// declaration of body, and merges the declarations into the first one.
func dropConstants(body string, drop map[string]string) string {
	return mergeDecls(body, constantDeclRE, "CONSTANTS", drop)
}

// mergeDecls rewrites the declarations that declRE finds (the keyword and
// a comma-separated list of names, with comments anywhere in between) into
// a single `keyword a, b, c` in place of the first one, less the names in
// drop. tla-checker keeps only one VARIABLES declaration, so a module that
// inlines another must have one. The rewritten declaration loses its
// comments.
func mergeDecls(body string, declRE *regexp.Regexp, keyword string, drop map[string]string) string {
	var out strings.Builder
	var all []string
	first := -1
	for {
		loc := declRE.FindStringIndex(body)
		if loc == nil {
			out.WriteString(body)
			break
		}
		out.WriteString(body[:loc[0]])
		if first < 0 {
			first = out.Len()
		}
		i := loc[1]
		for {
			i = skipSpaceAndComments(body, i)
			j := i
			for j < len(body) && (isIdentChar(body[j])) {
				j++
			}
			if j == i {
				break
			}
			if _, ok := drop[body[i:j]]; !ok {
				all = append(all, body[i:j])
			}
			i = j
			k := skipSpaceAndComments(body, i)
			if k < len(body) && body[k] == ',' {
				i = k + 1
				continue
			}
			break
		}
		body = body[i:]
	}
	res := out.String()
	if first < 0 || len(all) == 0 {
		return res
	}
	return res[:first] + keyword + " " + strings.Join(all, ", ") + res[first:]
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func skipSpaceAndComments(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r':
			i++
		case strings.HasPrefix(s[i:], `\*`):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "(*"):
			end := strings.Index(s[i+2:], "*)")
			if end < 0 {
				return len(s)
			}
			i += end + 4
		default:
			return i
		}
	}
	return i
}

var (
	topDefRE      = regexp.MustCompile(`^(\w+)\s*(\([^)]*\))?\s*==`)
	topBoundaryRE = regexp.MustCompile(`^(-{4,}|={4,}|VARIABLES?\b|CONSTANTS?\b|ASSUME\b|EXTENDS\b|RECURSIVE\b|LOCAL\b|INSTANCE\b|THEOREM\b|\\\* ---- )`)
	identRE       = regexp.MustCompile(`\b[A-Za-z_]\w*\b`)
	fairnessRE    = regexp.MustCompile(`\b[WS]F_`)
)

// pruneFairness works around a difference of tla-checker: it takes the
// fairness conditions (WF_/SF_) of every definition in the module, not
// only of the SPECIFICATION formula. A broken model that defines its own
// fairness next to the spec's would be checked under both. So drop every
// definition that the SPECIFICATION does not reach and that holds a
// fairness condition or uses a dropped definition.
func pruneFairness(module, spec string) (string, []string) {
	lines := strings.Split(module, "\n")
	type def struct {
		name       string
		start, end int // line range [start, end)
	}
	var defs []def
	cur := -1
	for i, l := range lines {
		if m := topDefRE.FindStringSubmatch(l); m != nil {
			if cur >= 0 {
				defs[cur].end = i
			}
			defs = append(defs, def{name: m[1], start: i})
			cur = len(defs) - 1
			continue
		}
		if topBoundaryRE.MatchString(l) && cur >= 0 {
			defs[cur].end = i
			cur = -1
		}
	}
	if cur >= 0 {
		defs[cur].end = len(lines)
	}
	byName := map[string]int{}
	for i, d := range defs {
		byName[d.name] = i
	}
	text := func(d def) string { return stripComments(strings.Join(lines[d.start:d.end], "\n")) }
	uses := make([][]int, len(defs))
	for i, d := range defs {
		seen := map[int]bool{}
		for _, id := range identRE.FindAllString(text(d), -1) {
			if j, ok := byName[id]; ok && j != i && !seen[j] {
				seen[j] = true
				uses[i] = append(uses[i], j)
			}
		}
	}
	reach := map[int]bool{}
	var walk func(i int)
	walk = func(i int) {
		if reach[i] {
			return
		}
		reach[i] = true
		for _, j := range uses[i] {
			walk(j)
		}
	}
	if i, ok := byName[spec]; ok {
		walk(i)
	} else {
		return module, nil
	}
	drop := map[int]bool{}
	for changed := true; changed; {
		changed = false
		for i, d := range defs {
			if reach[i] || drop[i] {
				continue
			}
			bad := fairnessRE.MatchString(text(d))
			for _, j := range uses[i] {
				bad = bad || drop[j]
			}
			if bad {
				drop[i] = true
				changed = true
			}
		}
	}
	if len(drop) == 0 {
		return module, nil
	}
	var names []string
	for i, d := range defs {
		if drop[i] {
			names = append(names, d.name)
			for k := d.start; k < d.end; k++ {
				lines[k] = ""
			}
		}
	}
	return strings.Join(lines, "\n"), names
}

var (
	lineCommentRE  = regexp.MustCompile(`\\\*[^\n]*`)
	blockCommentRE = regexp.MustCompile(`(?s)\(\*.*?\*\)`)
)

// stripComments removes TLA+ comments (block comments do not nest here).
func stripComments(s string) string {
	return lineCommentRE.ReplaceAllString(blockCommentRE.ReplaceAllString(s, " "), " ")
}
