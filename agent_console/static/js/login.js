// A link such as /console#conversation=ID (from an e-mail) survives the login: the server
// never sees the fragment, so the form carries it in `next`, and the redirect after the
// login keeps it.
const form = document.querySelector('[data-chat="login-form"]');
const next = form && form.querySelector('input[name="next"]');
if (next && location.hash && !next.value.includes('#')) {
  next.value = (next.value || '/console/') + location.hash;
}
