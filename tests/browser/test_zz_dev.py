import os
from tests.browser.conftest import DESKTOP, PHONE, seed, settle, sign_in
from tests.browser.test_every_page_fits import _seed_long_values, _check


def test_dev(app, new_page, live_url):
    from app import seed as demo
    from app.extensions import db
    page = new_page(js=os.environ.get("NOJS") is None)
    seed(app, live_url)
    _seed_long_values(app)
    with app.app_context():
        demo.run(6, echo=lambda *a: None)
        db.session.commit()
    sign_in(page)
    over = {}
    for path in os.environ["PATHS"].split():
        page.goto(path)
        settle(page)
        _check(page, path, 1280, over)
        if os.environ.get("EVAL"):
            print("EVAL", path, page.evaluate(os.environ["EVAL"]))
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(50)
        _check(page, path, 390, over)
        page.set_viewport_size(DESKTOP)
    for k, v in over.items():
        print("OVER", k, v)
