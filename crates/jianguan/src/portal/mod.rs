//! The portal: the public home page (一公开) that needs no sign-in, and the
//! signed-in workbench that greets each role with what it needs.

pub mod routes;
