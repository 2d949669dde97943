from . import test_apps_menu
