package data

import (
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind string
		path string
		opts string // "k=v;..." sorted
		err  string
	}{
		{in: "mnist", kind: "mnist"},
		{in: "cifar100-20", kind: "cifar100-20"},
		{in: "imagefolder:/a/b", kind: "imagefolder", path: "/a/b"},
		{in: "imagefolder:x,size=32,channels=3", kind: "imagefolder", path: "x", opts: "channels=3;size=32"},
		{in: "features:f.npy,labels=l.npy,test=t.npy", kind: "features", path: "f.npy", opts: "labels=l.npy;test=t.npy"},
		{in: "cifar", err: "unknown dataset"},
		{in: "imagefolder:", err: "missing path"},
		{in: "imagefolder:x,size", err: "not key=value"},
		{in: "imagefolder:x,label=y", err: "unknown option"},
		{in: "features:x,test=a,test=b", err: "given twice"},
	} {
		s, err := ParseName(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		var opts []string
		for _, k := range sortedKeys(s.Options) {
			opts = append(opts, k+"="+s.Options[k])
		}
		if err != nil || s.Kind != tc.kind || s.Path != tc.path || strings.Join(opts, ";") != tc.opts {
			t.Errorf("%s: %+v %v", tc.in, s, err)
		}
	}
}

func TestExpandSplit(t *testing.T) {
	for _, tc := range []struct {
		name, split, want, err string
	}{
		{"mnist", "all", "train,test", ""},
		{"stl10", "all", "train,test", ""},
		{"stl10", "train+unlabeled", "train,unlabeled", ""},
		{"mnist", "unlabeled", "", "no split"},
		{"mnist", "train+all", "", "twice"},
		{"imagefolder:x", "all", "train", ""},
		{"imagefolder:x,test=y", "all", "train,test", ""},
		{"imagefolder:x", "test", "", "test=PATH"},
	} {
		s, err := ParseName(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := expandSplit(s, tc.name, tc.split)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %s: error %v, want %q", tc.name, tc.split, err, tc.err)
			}
		} else if err != nil || strings.Join(got, ",") != tc.want {
			t.Errorf("%s %s: %v %v, want %s", tc.name, tc.split, got, err, tc.want)
		}
	}
}

func TestDir(t *testing.T) {
	t.Setenv("CCT_DATA", "/x/y")
	if d, _ := Dir("/flag"); d != "/flag" {
		t.Errorf("flag: %s", d)
	}
	if d, _ := Dir(""); d != "/x/y" {
		t.Errorf("env: %s", d)
	}
	t.Setenv("CCT_DATA", "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	if d, _ := Dir(""); d != "/cache/cct" {
		t.Errorf("cache: %s", d)
	}
}
