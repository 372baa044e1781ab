"""The API documentation pages work under their Content-Security-Policy (the fixtures fail on a violation)."""


def test_it_shows_the_swagger_ui_with_every_operation(browser_page):
    page = browser_page

    page.goto("/api/docs/")

    page.get_by_text("/api/v1/auth/token/").first.wait_for()
    assert page.locator(".opblock").count() > 50


def test_it_shows_redoc_with_every_operation(browser_page, csp_violations):
    page = browser_page

    page.goto("/api/redoc/")

    page.get_by_role("heading", name="Huiyin API").first.wait_for()
    assert page.get_by_text("Log in: a token for a username and password").count() > 0
    # ReDoc's "API docs by Redocly" footer fetches its logo from Redocly's CDN: refused, as it should be.
    csp_violations[:] = [text for text in csp_violations if "https://cdn.redoc.ly/" not in text]
