//! Who may `use` an SCC: the requesting identity, the authorizer seam, and two authorizers (a
//! plain grant table and a Kubernetes RBAC evaluator over Role/ClusterRole/RoleBinding/
//! ClusterRoleBinding objects).
//!
//! The SCC plugin asks the cluster authorizer whether a subject may perform verb `use` on
//! `securitycontextconstraints.security.openshift.io/<name>` in the pod's namespace
//! (apiserver-library-go release-4.14 `sccmatching/matcher.go`, `authorizedForSCC`). This module
//! answers that question offline; it never reads SCC fields (`users`/`groups` are matched by
//! the engine, as the plugin does before it calls the authorizer).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};

/// API group of SecurityContextConstraints.
pub const SCC_API_GROUP: &str = "security.openshift.io";
/// Resource name of SecurityContextConstraints.
pub const SCC_RESOURCE: &str = "securitycontextconstraints";
/// The group whose members the kube-apiserver allows everything (privileged group authorizer).
pub const SYSTEM_MASTERS: &str = "system:masters";

/// An authenticated identity: a user name and its groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// User name, e.g. `alice` or `system:serviceaccount:ci:gitlab-runner`.
    pub name: String,
    /// Groups, e.g. `system:authenticated`.
    pub groups: Vec<String>,
}

impl UserInfo {
    /// A user with the given name and groups.
    pub fn new(
        name: impl Into<String>,
        groups: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        UserInfo {
            name: name.into(),
            groups: groups.into_iter().map(Into::into).collect(),
        }
    }

    /// The identity the SCC plugin synthesises for a pod's ServiceAccount: user
    /// `system:serviceaccount:<ns>:<sa>` in groups `system:serviceaccounts` and
    /// `system:serviceaccounts:<ns>`, **without** `system:authenticated`
    /// (k8s.io/apiserver `serviceaccount.UserInfo`).
    pub fn service_account(namespace: &str, name: &str) -> Self {
        UserInfo {
            name: service_account_user_name(namespace, name),
            groups: vec![
                "system:serviceaccounts".to_owned(),
                format!("system:serviceaccounts:{namespace}"),
            ],
        }
    }
}

/// `system:serviceaccount:<namespace>:<name>`.
pub fn service_account_user_name(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// Answers "may `user` use SCC `scc` in `namespace`?" as the cluster authorizer would.
///
/// An authorizer error counts as "no" in the plugin, so the answer is a plain bool.
pub trait Authorizer {
    /// Whether `user` may perform verb `use` on the SCC named `scc` in `namespace`.
    fn can_use_scc(&self, user: &UserInfo, namespace: &str, scc: &str) -> bool;
}

impl<A: Authorizer + ?Sized> Authorizer for &A {
    fn can_use_scc(&self, user: &UserInfo, namespace: &str, scc: &str) -> bool {
        (**self).can_use_scc(user, namespace, scc)
    }
}

/// An authorizer that denies everything: only the SCCs' own `users`/`groups` count.
#[derive(Clone, Copy, Debug, Default)]
pub struct DenyAll;

impl Authorizer for DenyAll {
    fn can_use_scc(&self, _: &UserInfo, _: &str, _: &str) -> bool {
        false
    }
}

/// A table of `use` grants by user name, valid in every namespace: the shape of the test
/// vectors' `grants` lists. The SCC name `*` grants every SCC (as `cluster-admin` has).
#[derive(Clone, Debug, Default)]
pub struct UseGrants {
    by_user: BTreeMap<String, BTreeSet<String>>,
}

impl UseGrants {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Grants `user` the use of every SCC in `sccs` (added to earlier grants).
    pub fn grant(
        &mut self,
        user: impl Into<String>,
        sccs: impl IntoIterator<Item = impl Into<String>>,
    ) -> &mut Self {
        self.by_user
            .entry(user.into())
            .or_default()
            .extend(sccs.into_iter().map(Into::into));
        self
    }
}

impl Authorizer for UseGrants {
    fn can_use_scc(&self, user: &UserInfo, _: &str, scc: &str) -> bool {
        self.by_user
            .get(&user.name)
            .is_some_and(|set| set.contains("*") || set.contains(scc))
    }
}

/// The attributes of a resource request, as the Kubernetes authorizer sees them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceAttributes<'a> {
    /// Verb, e.g. `use`.
    pub verb: &'a str,
    /// API group (`""` for core).
    pub api_group: &'a str,
    /// Resource, e.g. `securitycontextconstraints`.
    pub resource: &'a str,
    /// Subresource, or `""`.
    pub subresource: &'a str,
    /// Object name, or `""`.
    pub name: &'a str,
    /// Namespace of the request, or `""` for cluster scope.
    pub namespace: &'a str,
}

/// Standard Kubernetes RBAC over a set of Role/ClusterRole/RoleBinding/ClusterRoleBinding
/// objects, plus the `system:masters` superuser group.
///
/// ClusterRoleBindings apply everywhere; RoleBindings only in their own namespace, and may refer
/// to a Role of that namespace or a ClusterRole. ClusterRole aggregation is not recomputed: an
/// aggregated role's `rules` are used as given (a cluster dump already has them filled in).
#[derive(Clone, Debug, Default)]
pub struct RbacAuthorizer {
    roles: BTreeMap<(String, String), Vec<PolicyRule>>,
    cluster_roles: BTreeMap<String, Vec<PolicyRule>>,
    role_bindings: Vec<RoleBinding>,
    cluster_role_bindings: Vec<ClusterRoleBinding>,
}

impl RbacAuthorizer {
    /// An evaluator with no objects (denies everyone but `system:masters`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a namespaced Role.
    pub fn add_role(&mut self, role: Role) -> &mut Self {
        let ns = role.metadata.namespace.unwrap_or_default();
        let name = role.metadata.name.unwrap_or_default();
        self.roles
            .insert((ns, name), role.rules.unwrap_or_default());
        self
    }

    /// Adds a ClusterRole.
    pub fn add_cluster_role(&mut self, role: ClusterRole) -> &mut Self {
        let name = role.metadata.name.unwrap_or_default();
        self.cluster_roles
            .insert(name, role.rules.unwrap_or_default());
        self
    }

    /// Adds a RoleBinding.
    pub fn add_role_binding(&mut self, binding: RoleBinding) -> &mut Self {
        self.role_bindings.push(binding);
        self
    }

    /// Adds a ClusterRoleBinding.
    pub fn add_cluster_role_binding(&mut self, binding: ClusterRoleBinding) -> &mut Self {
        self.cluster_role_bindings.push(binding);
        self
    }

    /// Whether `user` may perform the request described by `attrs`.
    pub fn allows(&self, user: &UserInfo, attrs: &ResourceAttributes<'_>) -> bool {
        if user.groups.iter().any(|g| g == SYSTEM_MASTERS) {
            return true;
        }
        let cluster_wide = self.cluster_role_bindings.iter().any(|b| {
            subjects_match(b.subjects.as_deref(), user, "")
                && self
                    .rules_for(&b.role_ref, None)
                    .any(|r| rule_allows(r, attrs))
        });
        if cluster_wide {
            return true;
        }
        if attrs.namespace.is_empty() {
            return false;
        }
        self.role_bindings.iter().any(|b| {
            let ns = b.metadata.namespace.as_deref().unwrap_or("");
            ns == attrs.namespace
                && subjects_match(b.subjects.as_deref(), user, ns)
                && self
                    .rules_for(&b.role_ref, Some(ns))
                    .any(|r| rule_allows(r, attrs))
        })
    }

    fn rules_for<'s>(
        &'s self,
        role_ref: &RoleRef,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = &'s PolicyRule> + 's {
        let rules = match (role_ref.kind.as_str(), namespace) {
            ("ClusterRole", _) => self.cluster_roles.get(&role_ref.name),
            ("Role", Some(ns)) => self.roles.get(&(ns.to_owned(), role_ref.name.clone())),
            _ => None,
        };
        rules.into_iter().flatten()
    }
}

impl Authorizer for RbacAuthorizer {
    fn can_use_scc(&self, user: &UserInfo, namespace: &str, scc: &str) -> bool {
        self.allows(
            user,
            &ResourceAttributes {
                verb: "use",
                api_group: SCC_API_GROUP,
                resource: SCC_RESOURCE,
                subresource: "",
                name: scc,
                namespace,
            },
        )
    }
}

/// Whether any subject of a binding is `user`. A ServiceAccount subject without a namespace
/// takes the binding's namespace (k8s `rbac/validation` `appliesToUser`).
fn subjects_match(subjects: Option<&[Subject]>, user: &UserInfo, binding_ns: &str) -> bool {
    subjects
        .unwrap_or_default()
        .iter()
        .any(|s| match s.kind.as_str() {
            "User" => s.name == user.name,
            "Group" => user.groups.contains(&s.name),
            "ServiceAccount" => {
                let ns = s
                    .namespace
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or(binding_ns);
                !ns.is_empty() && user.name == service_account_user_name(ns, &s.name)
            }
            _ => false,
        })
}

/// Kubernetes `RuleAllows` for resource requests.
fn rule_allows(rule: &PolicyRule, attrs: &ResourceAttributes<'_>) -> bool {
    let has = |list: Option<&Vec<String>>, want: &str| {
        list.is_some_and(|l| l.iter().any(|v| v == "*" || v == want))
    };
    let resource_ok = rule.resources.as_ref().is_some_and(|rs| {
        rs.iter().any(|r| {
            if attrs.subresource.is_empty() {
                r == "*" || r == attrs.resource
            } else {
                r == "*"
                    || *r == format!("{}/{}", attrs.resource, attrs.subresource)
                    || *r == format!("*/{}", attrs.subresource)
            }
        })
    });
    let name_ok = match rule.resource_names.as_deref() {
        None | Some([]) => true,
        Some(names) => names.iter().any(|n| n == attrs.name),
    };
    has(Some(&rule.verbs), attrs.verb)
        && has(rule.api_groups.as_ref(), attrs.api_group)
        && resource_ok
        && name_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn meta(ns: Option<&str>, name: &str) -> ObjectMeta {
        ObjectMeta {
            namespace: ns.map(str::to_owned),
            name: Some(name.to_owned()),
            ..Default::default()
        }
    }

    fn use_rule(names: &[&str]) -> PolicyRule {
        PolicyRule {
            api_groups: Some(vec![SCC_API_GROUP.to_owned()]),
            resources: Some(vec![SCC_RESOURCE.to_owned()]),
            resource_names: Some(names.iter().map(|s| (*s).to_owned()).collect()),
            verbs: vec!["use".to_owned()],
            ..Default::default()
        }
    }

    fn subject(kind: &str, name: &str, ns: Option<&str>) -> Subject {
        Subject {
            kind: kind.to_owned(),
            name: name.to_owned(),
            namespace: ns.map(str::to_owned),
            api_group: None,
        }
    }

    fn role_ref(kind: &str, name: &str) -> RoleRef {
        RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
        }
    }

    fn rbac() -> RbacAuthorizer {
        let mut a = RbacAuthorizer::new();
        a.add_cluster_role(ClusterRole {
            metadata: meta(None, "system:openshift:scc:restricted-v2"),
            rules: Some(vec![use_rule(&["restricted-v2"])]),
            ..Default::default()
        })
        .add_cluster_role(ClusterRole {
            metadata: meta(None, "system:openshift:scc:anyuid"),
            rules: Some(vec![use_rule(&["anyuid"])]),
            ..Default::default()
        })
        .add_cluster_role(ClusterRole {
            metadata: meta(None, "any-scc"),
            rules: Some(vec![PolicyRule {
                api_groups: Some(vec!["*".to_owned()]),
                resources: Some(vec!["*".to_owned()]),
                verbs: vec!["*".to_owned()],
                ..Default::default()
            }]),
            ..Default::default()
        })
        .add_role(Role {
            metadata: meta(Some("ci"), "privileged-user"),
            rules: Some(vec![use_rule(&["privileged"])]),
        })
        .add_cluster_role_binding(ClusterRoleBinding {
            metadata: meta(None, "system:openshift:scc:restricted-v2"),
            role_ref: role_ref("ClusterRole", "system:openshift:scc:restricted-v2"),
            subjects: Some(vec![subject("Group", "system:authenticated", None)]),
        })
        .add_role_binding(RoleBinding {
            metadata: meta(Some("ci"), "system:openshift:scc:anyuid"),
            role_ref: role_ref("ClusterRole", "system:openshift:scc:anyuid"),
            // No namespace: the binding's own namespace applies.
            subjects: Some(vec![subject("ServiceAccount", "gitlab-runner", None)]),
        })
        .add_role_binding(RoleBinding {
            metadata: meta(Some("ci"), "priv"),
            role_ref: role_ref("Role", "privileged-user"),
            subjects: Some(vec![subject("Group", "system:serviceaccounts:ci", None)]),
        })
        .add_cluster_role_binding(ClusterRoleBinding {
            metadata: meta(None, "ops"),
            role_ref: role_ref("ClusterRole", "any-scc"),
            subjects: Some(vec![subject("User", "ops", None)]),
        });
        a
    }

    #[test]
    fn cluster_role_binding_to_system_authenticated() {
        let a = rbac();
        let alice = UserInfo::new("alice", ["system:authenticated"]);
        assert!(a.can_use_scc(&alice, "ci", "restricted-v2"));
        assert!(!a.can_use_scc(&alice, "ci", "anyuid"));
        // The synthesised SA identity is not in system:authenticated.
        let sa = UserInfo::service_account("other", "gitlab-runner");
        assert!(!a.can_use_scc(&sa, "other", "restricted-v2"));
    }

    #[test]
    fn role_binding_counts_only_in_its_namespace_and_defaults_sa_namespace() {
        let a = rbac();
        let sa = UserInfo::service_account("ci", "gitlab-runner");
        assert!(a.can_use_scc(&sa, "ci", "anyuid"));
        assert!(!a.can_use_scc(&sa, "team-a", "anyuid"));
        let other = UserInfo::service_account("team-a", "gitlab-runner");
        assert!(!a.can_use_scc(&other, "team-a", "anyuid"));
    }

    #[test]
    fn role_ref_to_namespaced_role_and_group_of_namespace_sas() {
        let a = rbac();
        let sa = UserInfo::service_account("ci", "builder");
        assert!(a.can_use_scc(&sa, "ci", "privileged"));
        assert!(!a.can_use_scc(&sa, "ci", "hostaccess"));
    }

    #[test]
    fn resource_names_wildcards_and_masters() {
        let a = rbac();
        assert!(a.can_use_scc(
            &UserInfo::new("ops", Vec::<String>::new()),
            "x",
            "privileged"
        ));
        let admin = UserInfo::new("system:admin", [SYSTEM_MASTERS]);
        assert!(a.can_use_scc(&admin, "x", "anything"));
        let rule = use_rule(&[]);
        let attrs = ResourceAttributes {
            verb: "use",
            api_group: SCC_API_GROUP,
            resource: SCC_RESOURCE,
            name: "whatever",
            ..Default::default()
        };
        assert!(
            rule_allows(&rule, &attrs),
            "empty resourceNames match any name"
        );
        let wrong_verb = ResourceAttributes {
            verb: "get",
            ..attrs.clone()
        };
        assert!(!rule_allows(&rule, &wrong_verb));
    }

    #[test]
    fn grant_table() {
        let mut g = UseGrants::new();
        g.grant("u", ["anyuid"]).grant("admin", ["*"]);
        let u = UserInfo::new("u", Vec::<String>::new());
        assert!(g.can_use_scc(&u, "ns", "anyuid"));
        assert!(!g.can_use_scc(&u, "ns", "privileged"));
        assert!(g.can_use_scc(&UserInfo::new("admin", Vec::<String>::new()), "ns", "x"));
    }
}
