import base64
import unittest

from .. import credentials as cr


def basic(user, secret):
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


class TestSecretNames(unittest.TestCase):
    """A partner may only name variables set aside for EDI partners."""

    def test_prefix_and_characters(self):
        for name in ("WMS_BRIDGE_SECRET_3PL_WEST", "WMS_BRIDGE_SECRET_A", "WMS_BRIDGE_SECRET_9_"):
            self.assertTrue(cr.secret_env_name_ok(name), name)
        for name in (
            "",
            None,
            "WMS_BRIDGE_SECRET_",  # nothing after the prefix
            "PGPASSWORD",
            "DB_PASSWORD",
            "MQTT_INGEST_PASSWORD",
            "COLDCHAIN_MQTT_PASSWORD",
            "wms_bridge_secret_west",  # lowercase
            "WMS_BRIDGE_SECRET_west",
            "WMS_BRIDGE_SECRET_A-B",
            "WMS_BRIDGE_SECRET_A B",
            " WMS_BRIDGE_SECRET_A",
            "WMS_BRIDGE_SECRET_A\n",
            "XWMS_BRIDGE_SECRET_A",
        ):
            self.assertFalse(cr.secret_env_name_ok(name), repr(name))

    def test_status_never_reads_other_variables(self):
        environ = {"PGPASSWORD": "db-secret", "WMS_BRIDGE_SECRET_OK": "s3cret"}
        self.assertEqual(cr.secret_status(environ, "PGPASSWORD"), (cr.SECRET_BAD_NAME, ""))
        self.assertEqual(cr.secret_status(environ, ""), (cr.SECRET_NO_VARIABLE, ""))
        self.assertEqual(cr.secret_status(environ, None), (cr.SECRET_NO_VARIABLE, ""))
        self.assertEqual(
            cr.secret_status(environ, "WMS_BRIDGE_SECRET_OK"), (cr.SECRET_OK, "s3cret")
        )
        self.assertEqual(cr.secret_status(environ, "WMS_BRIDGE_SECRET_NO"), (cr.SECRET_UNSET, ""))


class TestSecretValues(unittest.TestCase):
    def test_usable(self):
        for value in ("s3cret", "a b", "!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "x"):
            self.assertIsNone(cr.secret_value_problem(value), value)

    def test_problems(self):
        cases = {
            None: cr.SECRET_UNSET,
            "": cr.SECRET_UNSET,
            "token\n": cr.SECRET_WHITESPACE,
            "token\r\n": cr.SECRET_WHITESPACE,
            " token": cr.SECRET_WHITESPACE,
            "token ": cr.SECRET_WHITESPACE,
            "\ttoken": cr.SECRET_WHITESPACE,
            "token\xa0": cr.SECRET_WHITESPACE,
            "tökén": cr.SECRET_NOT_ASCII,
            "tok\x00en": cr.SECRET_NOT_ASCII,
            "tok\nen": cr.SECRET_NOT_ASCII,
            "tok\x7fen": cr.SECRET_NOT_ASCII,
        }
        for value, code in cases.items():
            self.assertEqual(cr.secret_value_problem(value), code, repr(value))

    def test_status_of_a_bad_value_hides_it(self):
        status, value = cr.secret_status({"WMS_BRIDGE_SECRET_X": "abc\n"}, "WMS_BRIDGE_SECRET_X")
        self.assertEqual((status, value), (cr.SECRET_WHITESPACE, ""))


class TestAuthorization(unittest.TestCase):
    def test_bearer(self):
        self.assertTrue(cr.authorization_matches("Bearer s3cret", "bearer", None, "s3cret"))
        self.assertTrue(cr.authorization_matches("  bearer   s3cret ", "bearer", None, "s3cret"))
        for header in (None, "", "Bearer", "Bearer s3cre", "Bearer s3cretx", "Basic s3cret"):
            self.assertFalse(cr.authorization_matches(header, "bearer", None, "s3cret"), header)
        self.assertFalse(cr.authorization_matches(basic("u", "s3cret"), "bearer", None, "s3cret"))

    def test_basic(self):
        ok = basic("westedi", "s3cret")
        self.assertTrue(cr.authorization_matches(ok, "basic", "westedi", "s3cret"))
        for header in (
            basic("other", "s3cret"),
            basic("westedi", "guess"),
            "Bearer s3cret",
            "Basic !!",
            "Basic " + base64.b64encode(b"westedi").decode(),
            "Basic " + base64.b64encode(b"\xff\xfe").decode(),
        ):
            self.assertFalse(cr.authorization_matches(header, "basic", "westedi", "s3cret"), header)
        # basic without a configured username accepts nothing
        self.assertFalse(cr.authorization_matches(ok, "basic", "", "s3cret"))

    def test_empty_secret_matches_nothing(self):
        self.assertFalse(cr.authorization_matches("Bearer ", "bearer", None, ""))
        self.assertFalse(cr.authorization_matches(basic("u", ""), "basic", "u", ""))

    def test_non_ascii_header_does_not_raise(self):
        self.assertFalse(cr.authorization_matches("Bearer tökén", "bearer", None, "s3cret"))
        self.assertFalse(cr.refuse_authorization("Bearer tökén"))
        self.assertFalse(cr.refuse_authorization(None))


class TestUrls(unittest.TestCase):
    def test_https_required_unless_switch(self):
        self.assertIsNone(cr.url_problem("https://edi.example.com/in"))
        self.assertEqual(cr.url_problem("http://edi.example.com/in"), cr.URL_INSECURE)
        self.assertIsNone(cr.url_problem("http://127.0.0.1:8080/edi", allow_insecure=True))

    def test_malformed(self):
        cases = {
            "": cr.URL_MISSING,
            None: cr.URL_MISSING,
            "   ": cr.URL_MISSING,
            "ftp://edi.example.com/": cr.URL_SCHEME,
            "file:///etc/passwd": cr.URL_SCHEME,
            "edi.example.com/in": cr.URL_SCHEME,
            "https:///in": cr.URL_HOST,
            "https://edi.example.com:99999/": cr.URL_MALFORMED,
            "https://edi.example.com/ in": cr.URL_MALFORMED,
            "https://edi.example.com/\nin": cr.URL_MALFORMED,
            "https://user:pw@edi.example.com/": cr.URL_CREDENTIALS,
            "https://user@edi.example.com/": cr.URL_CREDENTIALS,
        }
        for url, code in cases.items():
            self.assertEqual(cr.url_problem(url, allow_insecure=True), code, repr(url))

    def test_allow_list(self):
        hosts, bad = cr.parse_host_list("edi.3pl-west.com, *.carrier.example\nEDI.Partner.com.")
        self.assertEqual(hosts, ["edi.3pl-west.com", "*.carrier.example", "edi.partner.com"])
        self.assertEqual(bad, [])
        self.assertIsNone(cr.url_problem("https://edi.3pl-west.com/in", allowed_hosts=hosts))
        self.assertIsNone(cr.url_problem("https://EDI.3PL-WEST.COM/in", allowed_hosts=hosts))
        self.assertIsNone(cr.url_problem("https://api.carrier.example/x", allowed_hosts=hosts))
        self.assertIsNone(cr.url_problem("https://edi.partner.com:8443/", allowed_hosts=hosts))
        for url in (
            "https://carrier.example/x",  # the wildcard is for subdomains only
            "https://evil.com/",
            "https://edi.3pl-west.com.evil.com/",
            "https://evilcarrier.example/",
            "https://127.0.0.1/",
        ):
            self.assertEqual(cr.url_problem(url, allowed_hosts=hosts), cr.URL_HOST_NOT_ALLOWED, url)
        self.assertIsNone(cr.url_problem("https://anything.example/", allowed_hosts=[]))

    def test_bad_allow_list_entries(self):
        hosts, bad = cr.parse_host_list("ok.example.com  https://x.com  a*.b.com  -bad.com")
        self.assertEqual(hosts, ["ok.example.com"])
        self.assertEqual(bad, ["https://x.com", "a*.b.com", "-bad.com"])
        self.assertEqual(cr.parse_host_list(""), ([], []))
        self.assertEqual(cr.parse_host_list(None), ([], []))

    def test_url_host(self):
        self.assertEqual(cr.url_host("https://EDI.example.com:8443/x"), "edi.example.com")
        self.assertEqual(cr.url_host("https://x:99999/"), "x")
        self.assertEqual(cr.url_host(None), "")


class TestRedact(unittest.TestCase):
    def test_secret_and_basic_form_removed(self):
        encoded = base64.b64encode(b"westedi:s3cret").decode()
        text = f"HTTP 400: you sent s3cret as Basic {encoded}"
        self.assertEqual(
            cr.redact(text, "s3cret", "westedi"),
            f"HTTP 400: you sent {cr.REDACTED} as Basic {cr.REDACTED}",
        )
        self.assertEqual(cr.redact("nothing here", "s3cret"), "nothing here")
        self.assertEqual(cr.redact("no secret configured", ""), "no secret configured")
        self.assertIsNone(cr.redact(None, "s3cret"))
