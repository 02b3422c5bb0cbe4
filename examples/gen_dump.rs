//! Writes a synthetic `oc get ns,pods -A -o yaml` (or `-o json`) dump for benchmarks and the
//! Checkov comparison: Namespaces with OpenShift's SCC annotations (some with PSA labels),
//! then pods of Deployments, StatefulSets, Jobs and bare pods with varied security contexts
//! (restricted-compliant, unset, root, privileged, host network, added capabilities, hostPath),
//! about 12 KB each as a running pod prints with its status.
//!
//! `cargo run --release --example gen_dump -- PODS OUT [--json | --stream] [--bare-hash]`
//! `--stream` writes the same objects as a multi-document YAML stream (`---` between objects)
//! instead of a `kind: List`, for tools that do not expand Lists.
//! `--bare-hash` writes number-like label values (`pod-template-hash`) unquoted, as emitters
//! other than `oc` do; `oc` quotes them. Deterministic: the same arguments give the same file.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
    fn uid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pods: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let out = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "target/dump.yaml".into());
    let format = if args.iter().any(|a| a == "--json") {
        Format::Json
    } else if args.iter().any(|a| a == "--stream") {
        Format::Stream
    } else {
        Format::List
    };
    let bare = args.iter().any(|a| a == "--bare-hash");
    let written = std::fs::File::create(&out).and_then(|file| {
        let mut w = BufWriter::with_capacity(1 << 20, file);
        write_dump(&mut w, pods, format, bare)?;
        w.flush()
    });
    if let Err(e) = written {
        eprintln!("gen_dump: cannot write `{out}`: {e}");
        std::process::exit(1);
    }
}

/// How a dump is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A `kind: List` in YAML, as `oc get -o yaml` prints it.
    List,
    /// The List's items as a multi-document YAML stream.
    Stream,
    /// A `kind: List` in JSON, as `oc get -o json` prints it.
    Json,
}

/// Writes the dump of `pods` pods (and their Namespaces) to `w`.
pub fn write_dump(
    w: &mut dyn Write,
    pods: usize,
    format: Format,
    bare: bool,
) -> std::io::Result<()> {
    let json = format == Format::Json;
    let stream = format == Format::Stream;
    let namespaces = (pods / 1000).clamp(3, 200);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ pods as u64);
    let mut first = true;
    let mut emit = |w: &mut dyn Write, v: String| {
        if json && !first {
            w.write_all(b",\n")?;
        }
        first = false;
        if !stream {
            return w.write_all(v.as_bytes());
        }
        // A List entry's lines all start with `- ` or two spaces: drop them for a document.
        w.write_all(b"---\n")?;
        for line in v.split_inclusive('\n') {
            w.write_all(line.get(2..).unwrap_or("\n").as_bytes())?;
        }
        Ok(())
    };
    if json {
        w.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n")?;
    } else if !stream {
        w.write_all(b"apiVersion: v1\nitems:\n")?;
    }
    for n in 0..namespaces {
        emit(w, namespace(n, json))?;
    }
    let mut i = 0;
    while i < pods {
        let group = (rng.below(5) + 1) as usize;
        let ns = rng.below(namespaces as u64) as usize;
        let profile = rng.below(10);
        let owner = rng.below(4);
        let name = format!("app-{}", rng.hex(6));
        // Number-like hashes in a third of the workloads: the quoting trap.
        let hash = if rng.below(3) == 0 {
            format!("{}", 5_000_000_000u64 + rng.below(999_999_999))
        } else {
            rng.hex(10)
        };
        for r in 0..group.min(pods - i) {
            let v = pod(&mut rng, ns, &name, &hash, r, owner, profile, json, bare);
            emit(w, v)?;
            i += 1;
        }
    }
    if stream {
        Ok(())
    } else if json {
        w.write_all(b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
    } else {
        w.write_all(b"kind: List\nmetadata:\n  resourceVersion: \"\"\n")
    }
}

fn namespace(n: usize, json: bool) -> String {
    let psa = match n % 3 {
        0 => "restricted",
        1 => "baseline",
        _ => "",
    };
    let base = 1_000_600_000 + n as u64 * 10_000;
    if json {
        let labels = if psa.is_empty() {
            String::new()
        } else {
            format!(",\n                    \"pod-security.kubernetes.io/enforce\": \"{psa}\"")
        };
        format!(
            "        {{\n            \"apiVersion\": \"v1\",\n            \"kind\": \"Namespace\",\n            \"metadata\": {{\n                \"annotations\": {{\n                    \"openshift.io/sa.scc.mcs\": \"s0:c{n},c5\",\n                    \"openshift.io/sa.scc.supplemental-groups\": \"{base}/10000\",\n                    \"openshift.io/sa.scc.uid-range\": \"{base}/10000\"\n                }},\n                \"labels\": {{\n                    \"kubernetes.io/metadata.name\": \"ns-{n}\"{labels}\n                }},\n                \"name\": \"ns-{n}\"\n            }}\n        }}"
        )
    } else {
        let labels = if psa.is_empty() {
            String::new()
        } else {
            format!("      pod-security.kubernetes.io/enforce: {psa}\n")
        };
        format!(
            "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    annotations:\n      openshift.io/sa.scc.mcs: s0:c{n},c5\n      openshift.io/sa.scc.supplemental-groups: {base}/10000\n      openshift.io/sa.scc.uid-range: {base}/10000\n    labels:\n      kubernetes.io/metadata.name: ns-{n}\n{labels}    name: ns-{n}\n"
        )
    }
}

/// One pod as a small YAML-ish tree, written as YAML or JSON by [`Tree`].
enum Tree {
    Null,
    S(String),
    /// A string that must be quoted in YAML (number-like); `bare` writes it plain.
    Q(String),
    N(i64),
    B(bool),
    L(Vec<Tree>),
    M(Vec<(&'static str, Tree)>),
    /// A map with owned keys (labels, annotations).
    K(Vec<(String, Tree)>),
}

fn s(v: impl Into<String>) -> Tree {
    Tree::S(v.into())
}

impl Tree {
    fn yaml(&self, out: &mut String, indent: usize, bare: bool) {
        match self {
            Tree::M(entries) => {
                for (k, v) in entries {
                    Self::yaml_entry(out, indent, k, v, bare);
                }
            }
            Tree::K(entries) => {
                for (k, v) in entries {
                    Self::yaml_entry(out, indent, k, v, bare);
                }
            }
            _ => unreachable!(),
        }
    }

    fn yaml_entry(out: &mut String, indent: usize, k: &str, v: &Tree, bare: bool) {
        let pad = " ".repeat(indent);
        match v {
            Tree::M(e) if e.is_empty() => {
                let _ = writeln!(out, "{pad}{k}: {{}}");
            }
            Tree::M(_) | Tree::K(_) => {
                let _ = writeln!(out, "{pad}{k}:");
                v.yaml(out, indent + 2, bare);
            }
            Tree::L(items) => {
                let _ = writeln!(out, "{pad}{k}:");
                for item in items {
                    match item {
                        Tree::M(_) => {
                            let mut inner = String::new();
                            item.yaml(&mut inner, indent + 2, bare);
                            // The first key goes after `- `.
                            let _ = write!(out, "{pad}- {}", &inner[indent + 2..]);
                        }
                        scalar => {
                            let _ = writeln!(out, "{pad}- {}", scalar.scalar(bare));
                        }
                    }
                }
            }
            Tree::S(text) if text.contains('\n') => {
                // Multi-line strings as `oc` prints them: a literal block scalar.
                let _ = writeln!(out, "{pad}{k}: |-");
                for line in text.lines() {
                    let _ = writeln!(out, "{pad}  {line}");
                }
            }
            scalar => {
                let _ = writeln!(out, "{pad}{k}: {}", scalar.scalar(bare));
            }
        }
    }

    fn scalar(&self, bare: bool) -> String {
        match self {
            Tree::S(v) if v.starts_with('{') || v.contains(": ") || v.is_empty() => {
                format!("'{}'", v.replace('\'', "''"))
            }
            Tree::S(v) => v.clone(),
            Tree::Q(v) if bare => v.clone(),
            Tree::Q(v) => format!("\"{v}\""),
            Tree::N(n) => n.to_string(),
            Tree::B(b) => b.to_string(),
            Tree::Null => "null".to_owned(),
            _ => unreachable!(),
        }
    }

    fn json(&self, out: &mut String, indent: usize) {
        let pad = " ".repeat(indent + 4);
        let end = " ".repeat(indent);
        match self {
            Tree::S(v) | Tree::Q(v) => {
                let _ = write!(out, "{}", serde_json::Value::String(v.clone()));
            }
            Tree::N(n) => {
                let _ = write!(out, "{n}");
            }
            Tree::Null => out.push_str("null"),
            Tree::B(b) => {
                let _ = write!(out, "{b}");
            }
            Tree::L(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad);
                    item.json(out, indent + 4);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                let _ = write!(out, "{end}]");
            }
            Tree::M(entries) => {
                let e: Vec<(String, &Tree)> =
                    entries.iter().map(|(k, v)| ((*k).to_owned(), v)).collect();
                Self::json_map(out, indent, &e);
            }
            Tree::K(entries) => {
                let e: Vec<(String, &Tree)> = entries.iter().map(|(k, v)| (k.clone(), v)).collect();
                Self::json_map(out, indent, &e);
            }
        }
    }

    fn json_map(out: &mut String, indent: usize, entries: &[(String, &Tree)]) {
        let pad = " ".repeat(indent + 4);
        out.push_str("{\n");
        for (i, (k, v)) in entries.iter().enumerate() {
            let _ = write!(out, "{pad}\"{k}\": ");
            v.json(out, indent + 4);
            out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
        }
        let _ = write!(out, "{}}}", " ".repeat(indent));
    }
}

#[allow(clippy::too_many_arguments)]
fn pod(
    rng: &mut Rng,
    ns: usize,
    app: &str,
    hash: &str,
    replica: usize,
    owner: u64,
    profile: u64,
    json: bool,
    bare: bool,
) -> String {
    let uid = 1_000_600_000 + ns as i64 * 10_000;
    let (owner_kind, owner_name, pod_name, mut labels) = match owner {
        0 | 1 => (
            "ReplicaSet",
            format!("{app}-{hash}"),
            format!("{app}-{hash}-{}", rng.hex(5)),
            vec![
                ("app".to_owned(), s(app)),
                ("pod-template-hash".to_owned(), Tree::Q(hash.to_owned())),
            ],
        ),
        2 => (
            "StatefulSet",
            app.to_owned(),
            format!("{app}-{replica}"),
            vec![
                ("app".to_owned(), s(app)),
                (
                    "controller-revision-hash".to_owned(),
                    s(format!("{app}-{hash}")),
                ),
                (
                    "statefulset.kubernetes.io/pod-name".to_owned(),
                    s(format!("{app}-{replica}")),
                ),
            ],
        ),
        _ => (
            "",
            String::new(),
            format!("{app}-{}", rng.hex(5)),
            vec![("app".to_owned(), s(app))],
        ),
    };
    labels.push(("team".to_owned(), s(format!("team-{}", ns % 7))));
    let node = format!("worker-{}.ocp.example.com", rng.below(40));
    let ip = format!("10.128.{}.{}", rng.below(250), rng.below(250));
    let network_status = format!(
        "[{{\n    \"name\": \"ovn-kubernetes\",\n    \"interface\": \"eth0\",\n    \"ips\": [\n        \"{ip}\"\n    ],\n    \"mac\": \"0a:58:0a:80:{:02x}:{:02x}\",\n    \"default\": true,\n    \"dns\": {{}}\n}}]",
        rng.below(255),
        rng.below(255)
    );
    let mut annotations = vec![
        (
            "k8s.ovn.org/pod-networks".to_owned(),
            s(format!(
                "{{\"default\":{{\"ip_addresses\":[\"{ip}/23\"],\"mac_address\":\"0a:58:0a:80:02:15\",\"gateway_ips\":[\"10.128.2.1\"],\"routes\":[{{\"dest\":\"10.128.0.0/14\",\"nextHop\":\"10.128.2.1\"}},{{\"dest\":\"172.30.0.0/16\",\"nextHop\":\"10.128.2.1\"}},{{\"dest\":\"100.64.0.0/16\",\"nextHop\":\"10.128.2.1\"}}],\"ip_address\":\"{ip}/23\",\"gateway_ip\":\"10.128.2.1\"}}}}"
            )),
        ),
        (
            "k8s.v1.cni.cncf.io/network-status".to_owned(),
            s(network_status),
        ),
        ("openshift.io/scc".to_owned(), s("restricted-v2")),
        (
            "seccomp.security.alpha.kubernetes.io/pod".to_owned(),
            s("runtime/default"),
        ),
    ];
    if profile == 9 {
        annotations.push(("prometheus.io/port".to_owned(), Tree::Q("9090".into())));
    }
    let mut meta = vec![
        ("annotations", Tree::K(annotations)),
        ("creationTimestamp", Tree::Q("2026-11-02T09:14:27Z".into())),
    ];
    if !owner_kind.is_empty() && owner_kind != "StatefulSet" {
        meta.push(("generateName", s(format!("{owner_name}-"))));
    }
    meta.push(("labels", Tree::K(labels)));
    meta.push(("name", s(pod_name.clone())));
    meta.push(("namespace", s(format!("ns-{ns}"))));
    if !owner_kind.is_empty() {
        meta.push((
            "ownerReferences",
            Tree::L(vec![Tree::M(vec![
                ("apiVersion", s("apps/v1")),
                ("blockOwnerDeletion", Tree::B(true)),
                ("controller", Tree::B(true)),
                ("kind", s(owner_kind)),
                ("name", s(owner_name)),
                ("uid", s(rng.uid())),
            ])]),
        ));
    }
    meta.push((
        "resourceVersion",
        Tree::Q(format!("{}", 100_000 + rng.below(9_000_000))),
    ));
    meta.push(("uid", s(rng.uid())));

    let container_sc = match profile {
        0..=3 => Tree::M(vec![
            ("allowPrivilegeEscalation", Tree::B(false)),
            (
                "capabilities",
                Tree::M(vec![("drop", Tree::L(vec![s("ALL")]))]),
            ),
            ("runAsNonRoot", Tree::B(true)),
            ("runAsUser", Tree::N(uid)),
        ]),
        4 | 5 => Tree::M(vec![]),
        6 => Tree::M(vec![("runAsUser", Tree::N(0))]),
        7 => Tree::M(vec![("privileged", Tree::B(true))]),
        8 => Tree::M(vec![(
            "capabilities",
            Tree::M(vec![("add", Tree::L(vec![s("NET_ADMIN"), s("SYS_TIME")]))]),
        )]),
        _ => Tree::M(vec![("allowPrivilegeEscalation", Tree::B(true))]),
    };
    let env: Vec<Tree> = (0..24)
        .map(|e| {
            Tree::M(vec![
                ("name", s(format!("APP_SETTING_{e}"))),
                ("value", s(format!("value-{}-{}", rng.hex(8), e))),
            ])
        })
        .collect();
    let mounts = |extra: bool| {
        let mut m = vec![Tree::M(vec![
            (
                "mountPath",
                s("/var/run/secrets/kubernetes.io/serviceaccount"),
            ),
            ("name", s("kube-api-access-x7k2q")),
            ("readOnly", Tree::B(true)),
        ])];
        m.push(Tree::M(vec![("mountPath", s("/tmp")), ("name", s("tmp"))]));
        if extra {
            m.push(Tree::M(vec![
                ("mountPath", s("/data")),
                ("name", s("data")),
            ]));
        }
        Tree::L(m)
    };
    let container = |name: &str, image: String, env: Vec<Tree>, sc: Tree| {
        Tree::M(vec![
            ("env", Tree::L(env)),
            ("image", s(image)),
            ("imagePullPolicy", s("IfNotPresent")),
            (
                "livenessProbe",
                Tree::M(vec![
                    ("failureThreshold", Tree::N(3)),
                    (
                        "httpGet",
                        Tree::M(vec![
                            ("path", s("/healthz")),
                            ("port", Tree::N(8080)),
                            ("scheme", s("HTTP")),
                        ]),
                    ),
                    ("periodSeconds", Tree::N(10)),
                    ("successThreshold", Tree::N(1)),
                    ("timeoutSeconds", Tree::N(1)),
                ]),
            ),
            ("name", s(name)),
            (
                "ports",
                Tree::L(vec![Tree::M(vec![
                    ("containerPort", Tree::N(8080)),
                    ("name", s("http")),
                    ("protocol", s("TCP")),
                ])]),
            ),
            (
                "resources",
                Tree::M(vec![
                    (
                        "limits",
                        Tree::M(vec![("cpu", s("500m")), ("memory", s("512Mi"))]),
                    ),
                    (
                        "requests",
                        Tree::M(vec![("cpu", s("100m")), ("memory", s("128Mi"))]),
                    ),
                ]),
            ),
            ("securityContext", sc),
            ("terminationMessagePath", s("/dev/termination-log")),
            ("terminationMessagePolicy", s("File")),
            ("volumeMounts", mounts(name == "app")),
        ])
    };
    let sidecar_sc = Tree::M(vec![
        ("allowPrivilegeEscalation", Tree::B(false)),
        (
            "capabilities",
            Tree::M(vec![("drop", Tree::L(vec![s("ALL")]))]),
        ),
        ("runAsNonRoot", Tree::B(true)),
    ]);
    let sidecar_env: Vec<Tree> = (0..8)
        .map(|e| {
            Tree::M(vec![
                ("name", s(format!("PROXY_{e}"))),
                ("value", s(format!("http://proxy-{e}.example.com:3128"))),
            ])
        })
        .collect();
    let containers = vec![
        container(
            "app",
            format!(
                "image-registry.openshift-image-registry.svc:5000/ns-{ns}/{app}@sha256:{}",
                rng.hex(64)
            ),
            env,
            container_sc,
        ),
        container(
            "proxy",
            format!("registry.example.com/proxy:1.{}", rng.below(30)),
            sidecar_env,
            sidecar_sc,
        ),
    ];
    let mut pod_sc = vec![
        ("fsGroup", Tree::N(uid)),
        (
            "seLinuxOptions",
            Tree::M(vec![("level", s(format!("s0:c{ns},c5")))]),
        ),
        (
            "seccompProfile",
            Tree::M(vec![("type", s("RuntimeDefault"))]),
        ),
    ];
    if profile == 4 {
        pod_sc.clear();
    }
    let mut volumes = vec![
        Tree::M(vec![("emptyDir", Tree::M(vec![])), ("name", s("tmp"))]),
        Tree::M(vec![
            (
                "persistentVolumeClaim",
                Tree::M(vec![("claimName", s(format!("{app}-data")))]),
            ),
            ("name", s("data")),
        ]),
        Tree::M(vec![
            ("name", s("kube-api-access-x7k2q")),
            (
                "projected",
                Tree::M(vec![
                    ("defaultMode", Tree::N(420)),
                    (
                        "sources",
                        Tree::L(vec![
                            Tree::M(vec![(
                                "serviceAccountToken",
                                Tree::M(vec![
                                    ("expirationSeconds", Tree::N(3607)),
                                    ("path", s("token")),
                                ]),
                            )]),
                            Tree::M(vec![(
                                "configMap",
                                Tree::M(vec![
                                    (
                                        "items",
                                        Tree::L(vec![Tree::M(vec![
                                            ("key", s("ca.crt")),
                                            ("path", s("ca.crt")),
                                        ])]),
                                    ),
                                    ("name", s("kube-root-ca.crt")),
                                ]),
                            )]),
                            Tree::M(vec![(
                                "downwardAPI",
                                Tree::M(vec![(
                                    "items",
                                    Tree::L(vec![Tree::M(vec![
                                        (
                                            "fieldRef",
                                            Tree::M(vec![
                                                ("apiVersion", s("v1")),
                                                ("fieldPath", s("metadata.namespace")),
                                            ]),
                                        ),
                                        ("path", s("namespace")),
                                    ])]),
                                )]),
                            )]),
                        ]),
                    ),
                ]),
            ),
        ]),
    ];
    if profile == 5 {
        volumes.push(Tree::M(vec![
            (
                "hostPath",
                Tree::M(vec![("path", s("/var/log")), ("type", s(""))]),
            ),
            ("name", s("host-logs")),
        ]));
    }
    let mut spec = vec![
        ("containers", Tree::L(containers)),
        ("dnsPolicy", s("ClusterFirst")),
        ("enableServiceLinks", Tree::B(true)),
    ];
    if profile == 8 {
        spec.push(("hostNetwork", Tree::B(true)));
    }
    spec.extend([
        (
            "imagePullSecrets",
            Tree::L(vec![Tree::M(vec![("name", s("default-dockercfg-8tq5x"))])]),
        ),
        ("nodeName", s(node.clone())),
        ("preemptionPolicy", s("PreemptLowerPriority")),
        ("priority", Tree::N(0)),
        ("restartPolicy", s("Always")),
        ("schedulerName", s("default-scheduler")),
        ("securityContext", Tree::M(pod_sc)),
        ("serviceAccount", s("default")),
        ("serviceAccountName", s("default")),
        ("terminationGracePeriodSeconds", Tree::N(30)),
        (
            "tolerations",
            Tree::L(
                ["not-ready", "unreachable"]
                    .iter()
                    .map(|t| {
                        Tree::M(vec![
                            ("effect", s("NoExecute")),
                            ("key", s(format!("node.kubernetes.io/{t}"))),
                            ("operator", s("Exists")),
                            ("tolerationSeconds", Tree::N(300)),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("volumes", Tree::L(volumes)),
    ]);
    let conditions: Vec<Tree> = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    .iter()
    .map(|c| {
        Tree::M(vec![
            ("lastProbeTime", Tree::Null),
            ("lastTransitionTime", Tree::Q("2026-11-02T09:14:31Z".into())),
            ("status", Tree::Q("True".into())),
            ("type", s(*c)),
        ])
    })
    .collect();
    let statuses: Vec<Tree> = ["app", "proxy"]
        .iter()
        .map(|c| {
            Tree::M(vec![
                ("containerID", s(format!("cri-o://{}", rng.hex(64)))),
                ("image", s(format!("registry.example.com/{c}:latest"))),
                (
                    "imageID",
                    s(format!("registry.example.com/{c}@sha256:{}", rng.hex(64))),
                ),
                ("lastState", Tree::M(vec![])),
                ("name", s(*c)),
                ("ready", Tree::B(true)),
                ("restartCount", Tree::N(0)),
                ("started", Tree::B(true)),
                (
                    "state",
                    Tree::M(vec![(
                        "running",
                        Tree::M(vec![("startedAt", Tree::Q("2026-11-02T09:14:30Z".into()))]),
                    )]),
                ),
                (
                    "volumeMounts",
                    Tree::L(vec![Tree::M(vec![
                        (
                            "mountPath",
                            s("/var/run/secrets/kubernetes.io/serviceaccount"),
                        ),
                        ("name", s("kube-api-access-x7k2q")),
                        ("readOnly", Tree::B(true)),
                        ("recursiveReadOnly", s("Disabled")),
                    ])]),
                ),
            ])
        })
        .collect();
    let status = Tree::M(vec![
        ("conditions", Tree::L(conditions)),
        ("containerStatuses", Tree::L(statuses)),
        ("hostIP", s("10.0.3.17")),
        (
            "hostIPs",
            Tree::L(vec![Tree::M(vec![("ip", s("10.0.3.17"))])]),
        ),
        ("phase", s("Running")),
        ("podIP", s(ip.clone())),
        ("podIPs", Tree::L(vec![Tree::M(vec![("ip", s(ip))])])),
        ("qosClass", s("Burstable")),
        ("startTime", Tree::Q("2026-11-02T09:14:27Z".into())),
    ]);
    let pod = Tree::M(vec![
        ("apiVersion", s("v1")),
        ("kind", s("Pod")),
        ("metadata", Tree::M(meta)),
        ("spec", Tree::M(spec)),
        ("status", status),
    ]);
    let mut out = String::with_capacity(16 << 10);
    if json {
        out.push_str("        ");
        pod.json(&mut out, 8);
    } else {
        pod.yaml(&mut out, 2, bare);
        out.replace_range(0..2, "- ");
    }
    out
}
