package grants

import "sort"

// colset is a set of columns: when all, every column except cols; else
// exactly cols. Names are lower case. The zero value is empty.
type colset struct {
	all  bool
	cols map[string]bool
}

func named(cols []string) colset {
	s := colset{cols: map[string]bool{}}
	for _, c := range cols {
		if c != "" {
			s.cols[lower(c)] = true
		}
	}
	return s
}

func allBut(excluded []string) colset {
	s := named(excluded)
	s.all = true
	return s
}

func (s colset) empty() bool { return !s.all && len(s.cols) == 0 }

func (s colset) has(c string) bool {
	if s.all {
		return !s.cols[c]
	}
	return s.cols[c]
}

func (s colset) complement() colset { return colset{all: !s.all, cols: s.cols} }

// union returns s ∪ o.
func (s colset) union(o colset) colset {
	switch {
	case !s.all && !o.all:
		return colset{cols: merge(s.cols, o.cols)}
	case s.all && o.all:
		return colset{all: true, cols: common(s.cols, o.cols)}
	case s.all:
		return colset{all: true, cols: minus(s.cols, o.cols)}
	default:
		return colset{all: true, cols: minus(o.cols, s.cols)}
	}
}

// intersect returns s ∩ o.
func (s colset) intersect(o colset) colset {
	switch {
	case !s.all && !o.all:
		return colset{cols: common(s.cols, o.cols)}
	case s.all && o.all:
		return colset{all: true, cols: merge(s.cols, o.cols)}
	case s.all:
		return colset{cols: minus(o.cols, s.cols)}
	default:
		return colset{cols: minus(s.cols, o.cols)}
	}
}

// minus returns s \ o.
func (s colset) minus(o colset) colset { return s.intersect(o.complement()) }

func (s colset) equal(o colset) bool {
	if s.all != o.all || len(s.cols) != len(o.cols) {
		return false
	}
	for c := range s.cols {
		if !o.cols[c] {
			return false
		}
	}
	return true
}

func (s colset) sorted() []string {
	out := make([]string, 0, len(s.cols))
	for c := range s.cols {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func merge(a, b map[string]bool) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for c := range a {
		out[c] = true
	}
	for c := range b {
		out[c] = true
	}
	return out
}

func common(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for c := range a {
		if b[c] {
			out[c] = true
		}
	}
	return out
}

func minus(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for c := range a {
		if !b[c] {
			out[c] = true
		}
	}
	return out
}
