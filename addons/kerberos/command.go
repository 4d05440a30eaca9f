package kerberos

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/haharness/haharness/harness/addon"
)

// commands are the add-on's CLI commands: `haharness kerberos refusals`,
// `keytab` and `krb5.conf`.
func commands() []addon.Command {
	return []addon.Command{
		{Name: "refusals", Help: "try what a secured cluster must refuse (hdfs dfs -ls / without a ticket and as mallory; an unauthenticated ZooKeeper client creating or deleting the election locks) and print what each met; exit 1 if one was not refused",
			Run: runRefusals},
		{Name: "keytab", Args: "[-o FILE] PRINCIPAL", Help: "write the keytab of PRINCIPAL (alice, hdfs, nn/hadoop001...) of the cluster's realm to FILE (default PRINCIPAL.keytab, / as _)",
			Run: runKeytab},
		{Name: "krb5.conf", Args: "[--inside]", Help: "print the realm's krb5.conf for a client of this machine (the KDC at its published port), or --inside for a container on the cluster network",
			Run: runKrb5Conf},
	}
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", addon.ErrUsage, err)
	}
	return nil
}

func runRefusals(ctx context.Context, c addon.Cluster, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kerberos refusals", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c == nil {
		return flag.ErrHelp
	}
	rs, err := Refusals(ctx, c)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range rs {
		if r.Error == "" {
			failed++
			fmt.Fprintf(stdout, "NOT REFUSED  %s\n", r.What)
			continue
		}
		fmt.Fprintf(stdout, "refused      %s\n             %s\n", r.What, r.Error)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d not refused: the cluster is not secured", failed, len(rs))
	}
	return nil
}

func runKeytab(_ context.Context, c addon.Cluster, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kerberos keytab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output `file` (default PRINCIPAL.keytab)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c == nil {
		return flag.ErrHelp
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one PRINCIPAL (e.g. alice, or nn/hadoop001); the realm's are %v", addon.ErrUsage, AllPrincipals(c.Topology()))
	}
	p := fs.Arg(0)
	known := false
	for _, q := range AllPrincipals(c.Topology()) {
		known = known || q == p
	}
	if !known {
		return fmt.Errorf("%w: %q is no principal of the cluster's realm: use one of %v", addon.ErrUsage, p, AllPrincipals(c.Topology()))
	}
	b, err := Keytab(p)
	if err != nil {
		return err
	}
	file := *out
	if file == "" {
		file = fileName(p) + ".keytab"
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the keytab of %s@%s to %s (kinit -k -t %s %s, with `haharness kerberos krb5.conf` as KRB5_CONFIG)\n", p, Realm, file, file, p)
	return nil
}

func runKrb5Conf(_ context.Context, c addon.Cluster, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kerberos krb5.conf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	inside := fs.Bool("inside", false, "the krb5.conf of a container on the cluster network (the KDC by its host name)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c == nil {
		return flag.ErrHelp
	}
	if *inside {
		_, err := stdout.Write(Krb5ConfInside())
		return err
	}
	b, err := Krb5Conf(c)
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}

// fileName is p with / as _ (nn/hadoop001 → nn_hadoop001).
func fileName(p string) string {
	b := []byte(p)
	for i := range b {
		if b[i] == '/' {
			b[i] = '_'
		}
	}
	return string(b)
}
