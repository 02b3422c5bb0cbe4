//! OpenShift SecurityContextConstraints admission and Kubernetes Pod Security Admission,
//! simulated offline exactly as the platform does it.
