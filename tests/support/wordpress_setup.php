<?php
/*
 * Set-up steps for the test WordPress (tests/support/wordpress.py), run with the PHP CLI:
 *
 *   php wordpress_setup.php create-database '<json>'   a fresh, empty MariaDB database
 *   php wordpress_setup.php drop-database '<json>'
 *   php wordpress_setup.php install '<json>'           wp_install(), users, application passwords
 *
 * The JSON argument carries the database server and names; `install` prints JSON with the users
 * and their application passwords. PHP's own mysqli does the database work, so the tests need no
 * MariaDB client library in Python.
 */

$command = $argv[1] ?? '';
$settings = json_decode($argv[2] ?? '{}', true);

function connect(array $db): mysqli {
    mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
    try {
        return new mysqli($db['host'], $db['user'], $db['password'], '', (int) $db['port']);
    } catch (mysqli_sql_exception $e) {
        fwrite(STDERR, $e->getMessage() . "\n");
        exit(1);
    }
}

function quoted_name(string $name): string {
    if (!preg_match('/^[A-Za-z0-9_]+$/', $name)) {
        fwrite(STDERR, "unsafe database name: $name\n");
        exit(2);
    }
    return "`$name`";
}

function new_user(string $login, string $role, string $display_name): int {
    $id = wp_insert_user(array(
        'user_login'   => $login,
        'user_pass'    => wp_generate_password(24),
        'user_email'   => "$login@example.test",
        'role'         => $role,
        'display_name' => $display_name,
    ));
    if (is_wp_error($id)) {
        fwrite(STDERR, $id->get_error_message() . "\n");
        exit(1);
    }
    return $id;
}

function application_password(int $user_id): string {
    $created = WP_Application_Passwords::create_new_application_password(
        $user_id, array('name' => 'syndikat-tests')
    );
    if (is_wp_error($created)) {
        fwrite(STDERR, $created->get_error_message() . "\n");
        exit(1);
    }
    return $created[0];
}

function install(array $settings): array {
    // Debian's wp-config.php picks /etc/wordpress/config-<WORDPRESS_CONFIG>.php.
    $_SERVER['WORDPRESS_CONFIG'] = $settings['config_name'];
    $_SERVER['HTTP_HOST'] = $settings['host'];
    define('WP_INSTALLING', true);
    require_once $settings['wordpress_dir'] . '/wp-load.php';
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';

    wp_install('Syndikat test site', 'admin', 'admin@example.test', false, '', wp_generate_password(24));
    global $wp_rewrite;
    $wp_rewrite->set_permalink_structure('/%postname%/');  // so /wp-json/ works as well
    $wp_rewrite->flush_rules(false);

    $editor = new_user('syndikat', 'editor', 'Syndikat');
    $writer = new_user('writer', 'author', 'Wendy Writer');
    $byline = new_user('jane', 'author', 'Jane Editor');
    return array(
        'admin'  => array('id' => 1, 'login' => 'admin', 'app_password' => application_password(1)),
        'editor' => array('id' => $editor, 'login' => 'syndikat', 'app_password' => application_password($editor)),
        'writer' => array('id' => $writer, 'login' => 'writer', 'app_password' => application_password($writer)),
        'byline' => array('id' => $byline, 'login' => 'jane', 'display_name' => 'Jane Editor'),
    );
}

// Installing would otherwise try to e-mail the new site's password.
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password) {
}

switch ($command) {
    case 'create-database':
        $db = connect($settings['database']);
        $name = quoted_name($settings['database']['name']);
        $db->query("DROP DATABASE IF EXISTS $name");
        $db->query("CREATE DATABASE $name CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        break;
    case 'drop-database':
        $db = connect($settings['database']);
        $db->query('DROP DATABASE IF EXISTS ' . quoted_name($settings['database']['name']));
        break;
    case 'install':
        echo json_encode(install($settings)), "\n";
        break;
    default:
        fwrite(STDERR, "usage: php wordpress_setup.php create-database|drop-database|install JSON\n");
        exit(2);
}
