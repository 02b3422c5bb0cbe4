//! The job pod GitLab Runner's Kubernetes executor builds from a runner config and a job.
