//! Who can read and write where: process identity per container, what kubelet does to a
//! volume's owner and mode, and the permission verdicts that follow.
